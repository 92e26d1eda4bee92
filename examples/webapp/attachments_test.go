package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSafeFilename(t *testing.T) {
	tests := []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\x\evil.exe`, "evil.exe"},
		{"a\r\nX-Evil: 1.txt", "a__X-Evil_ 1.txt"},
		{"dir/text/html.txt", "html.txt"},
		{`quote"d.txt`, "quote_d.txt"},
		{"", "attachment"},
		{"...", "attachment"},
		{".hidden", "hidden"},
		{"Résumé – 2026.pdf", "Résumé – 2026.pdf"},
		{"x\x00y", "x_y"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, safeFilename(tt.in))
		})
	}
	long := safeFilename(strings.Repeat("a", 300) + ".pdf")
	assert.Len(t, []rune(long), 120)
	assert.Equal(t, ".pdf", long[len(long)-4:])
}

func TestDownloadType(t *testing.T) {
	tests := []struct{ in, want string }{
		{"text/csv; charset=utf-8", "text/csv"},
		{"application/pdf", "application/pdf"},
		{"text/html", "application/octet-stream"},
		{"image/svg+xml", "application/octet-stream"},
		{"application/xhtml+xml", "application/octet-stream"},
		{"text/javascript", "application/octet-stream"},
		{"garbage", "application/octet-stream"},
		{"", "application/octet-stream"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, downloadType(tt.in), tt.in)
	}
	assert.Equal(t, "image/png", inlineImageType("image/png; name=x.png"))
	assert.Equal(t, "image/jpeg", inlineImageType("image/jpg"))
	assert.Empty(t, inlineImageType("image/svg+xml"))
	assert.Empty(t, inlineImageType("text/html"))
}
