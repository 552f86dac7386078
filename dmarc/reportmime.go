package dmarc

import (
	"bufio"
	"errors"
	"fmt"

	"github.com/yubinmail/yubin/message"
	"github.com/yubinmail/yubin/mime"
)

// readReportHeader reads the header of a report e-mail or the fields of a
// feedback report, up to maxReportHeaderBytes. Repaired syntax
// (mime.Warnings) is not an error; a limit or a read error is.
func readReportHeader(br *bufio.Reader) (message.Header, error) {
	h, err := message.ReadHeader(br, &message.HeaderOptions{MaxHeaderBytes: maxReportHeaderBytes})
	var ws mime.Warnings
	if errors.As(err, &ws) {
		err = nil
	}
	return h, err
}

// reportError maps an error met while reading a report e-mail: the input
// limit gives ErrReportTooLarge, a limit of the MIME readers
// ErrReportTooLarge wrapping the *mime.LimitError, and anything else
// notReport wrapping err.
func reportError(lr *limitedReader, err, notReport error) error {
	var le *mime.LimitError
	switch {
	case lr.exceeded || errors.Is(err, ErrReportTooLarge):
		return ErrReportTooLarge
	case errors.As(err, &le):
		return fmt.Errorf("%w: %w", ErrReportTooLarge, err)
	case errors.Is(err, notReport):
		return err
	}
	return fmt.Errorf("%w: %w", notReport, err)
}
