package mailhtml_test

import (
	"fmt"

	"github.com/mailmanager/mailmanager/mailhtml"
)

func ExampleSanitize() {
	body := `<p onclick="steal()">Hi <b>there</b></p>` +
		`<script>alert(1)</script>` +
		`<img src="https://tracker.example/open.gif">` +
		`<img src="cid:logo@example.com" alt="Logo">` +
		`<a href="https://example.com">Read more</a>`

	res := mailhtml.Sanitize(body, mailhtml.Options{
		CID: func(id string) string { return "/mail/m1/cid/" + id },
	})
	fmt.Println(res.HTML)
	fmt.Println("remote images held back:", res.RemoteImagesBlocked)
	// Output:
	// <p>Hi <b>there</b></p><img alt="Logo" src="/mail/m1/cid/logo@example.com"/><a href="https://example.com" rel="noopener noreferrer nofollow" target="_blank">Read more</a>
	// remote images held back: 1
}
