package mailmime

import (
	"io"
	"runtime"
	"strings"
	"testing"
)

func TestScratchHeaderBomb(t *testing.T) {
	r := io.MultiReader(strings.NewReader("Content-Type: multipart/mixed; boundary=b\n\n--b\n"),
		&repeatReader{pattern: []byte("a:\n"), n: 60 << 20}, strings.NewReader("\nbody\n--b--\n"))
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := Parse(r)
	runtime.ReadMemStats(&after)
	t.Logf("err=%v total alloc=%d MB, heap=%d MB sys=%d MB", err, (after.TotalAlloc-before.TotalAlloc)>>20, after.HeapAlloc>>20, after.Sys>>20)
}
