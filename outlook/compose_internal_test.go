package outlook

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// onlyReader hides every method but Read.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestReadAll_SizeHints(t *testing.T) {
	data := bytes.Repeat([]byte("attachment "), 10_000)
	cases := []struct {
		name string
		r    func() io.Reader
		size int64
	}{
		{"plain reader, no size", func() io.Reader { return onlyReader{bytes.NewReader(data)} }, 0},
		{"plain reader, right size", func() io.Reader { return onlyReader{bytes.NewReader(data)} }, int64(len(data))},
		{"size too small", func() io.Reader { return onlyReader{bytes.NewReader(data)} }, 10},
		{"size too large", func() io.Reader { return onlyReader{bytes.NewReader(data)} }, int64(len(data)) * 2},
		{"bytes reader tells its length", func() io.Reader { return bytes.NewReader(data) }, 0},
		{"strings reader half read", func() io.Reader {
			r := strings.NewReader("skip" + string(data))
			_, _ = r.Read(make([]byte, 4))
			return r
		}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAll(tc.r(), tc.size)
			require.NoError(t, err)
			assert.Equal(t, data, got)
		})
	}
}
