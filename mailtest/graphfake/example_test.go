package graphfake_test

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/mailmanager/mailmanager/mailtest/graphfake"
)

// staticTokens accepts one token for one mailbox.
type staticTokens struct{}

func (staticTokens) Authenticate(token string) (string, bool) {
	return "ada@example.com", token == "secret-token"
}

func Example() {
	fake := graphfake.New(staticTokens{})
	defer fake.Close()
	fake.AddMailbox("ada@example.com", "Ada Lovelace")
	_, err := fake.Deliver("ada@example.com", "", []byte(
		"From: Carol <carol@example.org>\r\nSubject: Hello\r\n\r\nHi Ada\r\n"))
	if err != nil {
		panic(err)
	}

	req, _ := http.NewRequest("GET",
		fake.URL()+"/v1.0/me/mailFolders/inbox/messages?$select=subject,from", nil)
	req.Header.Set("Authorization", "Bearer secret-token")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer res.Body.Close()
	var page struct {
		Value []struct {
			Subject string
			From    struct {
				EmailAddress struct{ Name, Address string }
			}
		}
	}
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil {
		panic(err)
	}
	for _, m := range page.Value {
		fmt.Println(m.Subject, "from", m.From.EmailAddress.Name)
	}
	fmt.Println(fake.Stats().Routes["GET /me/mailFolders/{folder}/messages"])
	// Output:
	// Hello from Carol
	// 1
}
