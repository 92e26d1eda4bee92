package mailmime

import (
	"encoding/hex"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// unhexTest decodes a hex fixture; the byte strings were made with iconv.
func unhexTest(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func TestDecodeText_Charsets(t *testing.T) {
	tests := []struct {
		label string
		hex   string
		want  string
	}{
		{"ISO-8859-2", "5a61bff3b3e6", "Zażółć"},
		{"iso-8859-7", "cae1ebe7ecddf1e1", "Καλημέρα"},
		{"ISO-8859-15", "a475726f", "€uro"},
		{"windows-1252", "8075726f", "€uro"},
		{"iso-8859-1", "8075726f", "€uro"}, // read as windows-1252
		{"KOI8-R", "f0d2c9d7c5d4", "Привет"},
		{"windows-1251", "cff0e8e2e5f2", "Привет"},
		{"cp1251", "cff0e8e2e5f2", "Привет"},
		{"Shift_JIS", "93fa967b8cea8365834c83588367", "日本語テキスト"},
		{"cp932", "93fa967b8cea8365834c83588367", "日本語テキスト"},
		{"ISO-2022-JP", "1b2442467c4b5c386c2546252d253925481b2842", "日本語テキスト"},
		{"EUC-JP", "c6fccbdcb8eca5c6a5ada5b9a5c8", "日本語テキスト"},
		{"GB2312", "d6d0cec4b2e2cad4", "中文测试"},
		{"GBK", "d6d0cec4b2e2cad4", "中文测试"},
		{"Big5", "a4a4a4e5b4fab8d5", "中文測試"},
		{"EUC-KR", "c7d1b1b9beee", "한국어"},
		{"ks_c_5601-1987", "c7d1b1b9beee", "한국어"},
		{"UTF-16", "fffe47007200fc00df006500", "Grüße"},
		{"UTF-16LE", "47007200fc00df006500", "Grüße"},
		{`"utf-8"`, hex.EncodeToString([]byte("Grüße")), "Grüße"},
		{"UTF8", hex.EncodeToString([]byte("Grüße")), "Grüße"},
		{"", hex.EncodeToString([]byte("plain")), "plain"},
	}
	for _, tt := range tests {
		t.Run(tt.label, func(t *testing.T) {
			got := DecodeText(unhexTest(t, tt.hex), tt.label)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeText_Fallbacks(t *testing.T) {
	tests := []struct {
		name  string
		in    []byte
		label string
		want  string
	}{
		{"unknown label, UTF-8 bytes", []byte("Grüße"), "x-unknown", "Grüße"},
		{"unknown label, 8-bit bytes", []byte("Gr\xfc\xdfe"), "x-martian", "Grüße"},
		{"UTF-7 is not supported", []byte("Hi Mom -+Jjo--!"), "utf-7", "Hi Mom -+Jjo--!"},
		{"latin1 label on UTF-8", []byte("Grüße"), "iso-8859-1", "Grüße"},
		{"KOI8-R label on UTF-8", []byte("Привет"), "koi8-r", "Привет"},
		{"UTF-8 label on latin1", []byte("Gr\xfc\xdfe"), "utf-8", "Grüße"},
		{"UTF-8 with one bad byte", []byte("Grüße\xff und mehr ü"), "utf-8", "Grüße\uFFFD und mehr ü"},
		{"us-ascii label on 8-bit", []byte("caf\xe9"), "us-ascii", "café"},
		{"no label on 8-bit", []byte("caf\xe9"), "", "café"},
		{"Big5 label on UTF-8", []byte("中文測試"), "big5", "中文測試"},
		{"broken Shift_JIS", []byte("\x93\xfa\x81"), "shift_jis", "日\uFFFD"},
		{"odd UTF-16", []byte("\xff\xfeA\x00B"), "utf-16", "A\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DecodeText(tt.in, tt.label)
			assert.True(t, utf8.ValidString(got))
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestDecodeHeader(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"plain", "Hello", "Hello"},
		{"Q in latin1", "=?ISO-8859-1?Q?Eelanal=FC=FCsi_p=E4ring?=", "Eelanalüüsi päring"},
		{"B in UTF-8", "=?UTF-8?B?44G+44G/44KA44KB44KC?=", "まみむめも"},
		{"lower-case encoding", "=?utf-8?b?w6k=?=", "é"},
		{"ISO-2022-JP", "=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=", "テスト"},
		{"EUC-KR", "=?EUC-KR?Q?=C7=D1=B1=B9?=", "한국"},
		{"windows-1251", "=?windows-1251?B?wPLo6u7iYQ==?=", "Атиковa"},
		{"words joined, blanks dropped", "=?utf-8?q?a?= \t =?utf-8?q?b?=", "ab"},
		{"text between words kept", "=?utf-8?q?a?= x =?utf-8?q?b?=", "a x b"},
		{"character split across words", "=?utf-8?b?4g==?= =?utf-8?b?gqw=?=", "€"},
		{"language suffix", "=?utf-8*en?q?hi?=", "hi"},
		{"unknown charset", "=?x-none?q?caf=E9?=", "café"},
		{"bad base64 padding", "=?NONE?B?VEVTVA=?=", "TEST"},
		{"not closed", "=?utf-8?q?open", "=?utf-8?q?open"},
		{"unknown encoding", "=?utf-8?x?abc?=", "=?utf-8?x?abc?="},
		{"raw UTF-8", "Säying Hello", "Säying Hello"},
		{"raw latin1", "Forma\xe7\xe3o", "Formação"},
		{"invalid UTF-8 in a word", "=?utf-8?q?=FF?=", "ÿ"},
		{"question mark in text", "Why =? because", "Why =? because"},
		{"blanks in Q text", "=?utf-8?q?a b?=", "a b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DecodeHeader(tt.in)
			assert.True(t, utf8.ValidString(got))
			assert.Equal(t, tt.want, got)
		})
	}
}
