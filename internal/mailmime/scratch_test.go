package mailmime

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestScratchTimeCorpus(t *testing.T) {
	files, _ := filepath.Glob("/root/.cache/go-build/fuzz/github.com/mailmanager/mailmanager/internal/mailmime/FuzzParse/*")
	var worst time.Duration
	var wf string
	for _, f := range files {
		b, _ := os.ReadFile(f)
		s := string(b)
		lines := strings.SplitN(s, "\n", 3)
		data, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
		if err != nil { t.Fatal(err) }
		st := time.Now()
		Parse(bytes.NewReader([]byte(data)))
		if d := time.Since(st); d > worst { worst, wf = d, f }
	}
	t.Logf("worst %v %s", worst, wf)
}
