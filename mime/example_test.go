package mime_test

import (
	"fmt"

	"github.com/yubinmail/yubin/mime"
)

func ExampleDecodeCharset() {
	s, err := mime.DecodeCharset("ISO-2022-JP", []byte("\x1b$BF|K\\8l\x1b(B"), nil)
	fmt.Println(s, err)
	s, err = mime.DecodeCharset("x-unknown", []byte("raw"), nil)
	fmt.Println(s, err)
	// Output:
	// 日本語 <nil>
	// raw mime: unknown charset x-unknown
}
