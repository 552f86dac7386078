package dmarc

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// AggregateReport is a DMARC aggregate report (RFC 7489 appendix C, RFC
// 9990). Element names follow the XML schema; the RFC 9990 additions
// (version, np, testing, discovery_method, generator) are optional.
type AggregateReport struct {
	XMLName  xml.Name        `xml:"feedback"`
	Version  string          `xml:"version,omitempty"`
	Metadata ReportMetadata  `xml:"report_metadata"`
	Policy   PolicyPublished `xml:"policy_published"`
	Records  []ReportRecord  `xml:"record"`
}

// ReportMetadata is report_metadata.
type ReportMetadata struct {
	OrgName          string    `xml:"org_name"`
	Email            string    `xml:"email"`
	ExtraContactInfo string    `xml:"extra_contact_info,omitempty"`
	ReportID         string    `xml:"report_id"`
	DateRange        DateRange `xml:"date_range"`
	Generator        string    `xml:"generator,omitempty"`
	Errors           []string  `xml:"error,omitempty"`
}

// DateRange holds Unix times (seconds).
type DateRange struct {
	Begin int64 `xml:"begin"`
	End   int64 `xml:"end"`
}

// PolicyPublished is policy_published: the record found for the domain.
type PolicyPublished struct {
	Domain          string `xml:"domain"`
	DiscoveryMethod string `xml:"discovery_method,omitempty"` // "psl" or "treewalk" (RFC 9990)
	ADKIM           string `xml:"adkim,omitempty"`
	ASPF            string `xml:"aspf,omitempty"`
	P               string `xml:"p"`
	SP              string `xml:"sp,omitempty"`
	NP              string `xml:"np,omitempty"`
	Pct             string `xml:"pct,omitempty"`
	FO              string `xml:"fo,omitempty"`
	Testing         string `xml:"testing,omitempty"` // "y" or "n" (RFC 9990)
}

// ReportRecord is one record: a row of identical messages.
type ReportRecord struct {
	Row         ReportRow      `xml:"row"`
	Identifiers Identifiers    `xml:"identifiers"`
	AuthResults AuthResultsXML `xml:"auth_results"`
}

// ReportRow is row.
type ReportRow struct {
	SourceIP        string          `xml:"source_ip"`
	Count           int64           `xml:"count"`
	PolicyEvaluated PolicyEvaluated `xml:"policy_evaluated"`
}

// PolicyEvaluated is policy_evaluated.
type PolicyEvaluated struct {
	Disposition string         `xml:"disposition"`
	DKIM        string         `xml:"dkim"`
	SPF         string         `xml:"spf"`
	Reasons     []PolicyReason `xml:"reason,omitempty"`
}

// PolicyReason is reason: why the disposition differs from the policy.
type PolicyReason struct {
	Type    string `xml:"type"` // forwarded, sampled_out, trusted_forwarder, mailing_list, local_policy, other
	Comment string `xml:"comment,omitempty"`
}

// Identifiers is identifiers.
type Identifiers struct {
	EnvelopeTo   string `xml:"envelope_to,omitempty"`
	EnvelopeFrom string `xml:"envelope_from,omitempty"`
	HeaderFrom   string `xml:"header_from"`
}

// AuthResultsXML is auth_results.
type AuthResultsXML struct {
	DKIM []DKIMAuthResult `xml:"dkim,omitempty"`
	SPF  []SPFAuthResult  `xml:"spf"`
}

// DKIMAuthResult is one auth_results/dkim.
type DKIMAuthResult struct {
	Domain      string `xml:"domain"`
	Selector    string `xml:"selector,omitempty"`
	Result      string `xml:"result"`
	HumanResult string `xml:"human_result,omitempty"`
}

// SPFAuthResult is one auth_results/spf.
type SPFAuthResult struct {
	Domain string `xml:"domain"`
	Scope  string `xml:"scope,omitempty"` // "mfrom" or "helo"
	Result string `xml:"result"`
}

// ReportOptions bounds report parsing; nil means the defaults.
type ReportOptions struct {
	// MaxInputBytes bounds the input as given (compressed or not).
	// Default 10 MiB.
	MaxInputBytes int64
	// MaxXMLBytes bounds the XML after decompression, the defence against
	// decompression bombs. Default 50 MiB.
	MaxXMLBytes int64
	// MaxRecords bounds the record elements. Default 100,000.
	MaxRecords int
}

func (o *ReportOptions) limits() (in, xmlMax int64, recs int) {
	in, xmlMax, recs = 10<<20, 50<<20, 100000
	if o != nil {
		if o.MaxInputBytes > 0 {
			in = o.MaxInputBytes
		}
		if o.MaxXMLBytes > 0 {
			xmlMax = o.MaxXMLBytes
		}
		if o.MaxRecords > 0 {
			recs = o.MaxRecords
		}
	}
	return
}

// Errors from report parsing.
var (
	ErrReportTooLarge = errors.New("dmarc: report exceeds a size limit")
	ErrReportFormat   = errors.New("dmarc: not a DMARC aggregate report")
	ErrNoReport       = errors.New("dmarc: no report found in the message")
)

// ParseAggregateReport reads an aggregate report: XML, gzip-compressed
// XML, or a zip archive holding an .xml file (RFC 7489 section 7.2.1.1),
// recognised by their magic numbers. Sizes are checked before and after
// decompression and the record count is bounded.
func ParseAggregateReport(r io.Reader, opts *ReportOptions) (*AggregateReport, error) {
	inMax, xmlMax, recMax := opts.limits()
	in := &limitedReader{r: r, n: inMax}
	br := bufio.NewReader(in)
	magic, _ := br.Peek(4)
	var xr io.Reader
	switch {
	case len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b:
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%w: gzip: %v", ErrReportFormat, err)
		}
		defer zr.Close()
		xr = zr
	case bytes.Equal(magic, []byte("PK\x03\x04")):
		zr, err := openZip(br, inMax)
		if err != nil {
			return nil, err
		}
		defer zr.Close()
		xr = zr
	default:
		xr = br
	}
	lr := &limitedReader{r: xr, n: xmlMax}
	rep, err := decodeReport(lr, recMax)
	if lr.exceeded || in.exceeded {
		return nil, ErrReportTooLarge
	}
	return rep, err
}

// openZip reads the archive (bounded) and opens its first .xml member.
func openZip(r io.Reader, max int64) (io.ReadCloser, error) {
	data, err := io.ReadAll(r)
	if errors.Is(err, ErrReportTooLarge) || int64(len(data)) > max {
		return nil, ErrReportTooLarge
	}
	if err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: zip: %v", ErrReportFormat, err)
	}
	for _, f := range zr.File {
		if strings.HasSuffix(strings.ToLower(f.Name), ".xml") {
			rc, err := f.Open()
			if err != nil {
				return nil, fmt.Errorf("%w: zip: %v", ErrReportFormat, err)
			}
			return rc, nil
		}
	}
	return nil, fmt.Errorf("%w: zip holds no .xml file", ErrReportFormat)
}

type limitedReader struct {
	r        io.Reader
	n        int64
	exceeded bool
}

// Read passes at most n bytes; asking for more fails with
// ErrReportTooLarge unless the underlying reader is at its end.
func (l *limitedReader) Read(p []byte) (int, error) {
	if l.n <= 0 {
		var one [1]byte
		if n, err := l.r.Read(one[:]); n == 0 && err != nil {
			return 0, err
		}
		l.exceeded = true
		return 0, ErrReportTooLarge
	}
	if int64(len(p)) > l.n {
		p = p[:l.n]
	}
	n, err := l.r.Read(p)
	l.n -= int64(n)
	return n, err
}

// decodeReport streams the XML, decoding records one at a time so that the
// count limit applies before memory grows.
func decodeReport(r io.Reader, maxRecords int) (*AggregateReport, error) {
	d := xml.NewDecoder(r)
	d.Strict = true
	rep := &AggregateReport{}
	started := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, ErrReportTooLarge) {
				return nil, ErrReportTooLarge
			}
			return nil, fmt.Errorf("%w: %v", ErrReportFormat, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if !started {
			if se.Name.Local != "feedback" {
				return nil, fmt.Errorf("%w: root element %q", ErrReportFormat, se.Name.Local)
			}
			started = true
			rep.XMLName = se.Name
			continue
		}
		if err := decodeChild(d, se, rep, maxRecords); err != nil {
			return nil, err
		}
	}
	if !started {
		return nil, fmt.Errorf("%w: no feedback element", ErrReportFormat)
	}
	if rep.Policy.Domain == "" || len(rep.Records) == 0 {
		return rep, fmt.Errorf("%w: missing policy_published/domain or records", ErrReportFormat)
	}
	return rep, nil
}

func decodeChild(d *xml.Decoder, se xml.StartElement, rep *AggregateReport, maxRecords int) error {
	var err error
	switch se.Name.Local {
	case "version":
		err = d.DecodeElement(&rep.Version, &se)
	case "report_metadata":
		err = d.DecodeElement(&rep.Metadata, &se)
	case "policy_published":
		err = d.DecodeElement(&rep.Policy, &se)
	case "record":
		if len(rep.Records) >= maxRecords {
			return fmt.Errorf("%w: more than %d records", ErrReportTooLarge, maxRecords)
		}
		var rec ReportRecord
		err = d.DecodeElement(&rec, &se)
		rep.Records = append(rep.Records, rec)
	default:
		err = d.Skip()
	}
	if err != nil {
		if errors.Is(err, ErrReportTooLarge) {
			return ErrReportTooLarge
		}
		return fmt.Errorf("%w: %s: %v", ErrReportFormat, se.Name.Local, err)
	}
	return nil
}

// WriteXML writes the report as an XML document, in the namespace of
// XMLName.Space when set (RFC 9990 reports use Namespace).
func (r *AggregateReport) WriteXML(w io.Writer) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	start := xml.StartElement{Name: xml.Name{Local: "feedback"}}
	if r.XMLName.Space != "" {
		start.Attr = []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: r.XMLName.Space}}
	}
	if err := enc.EncodeElement(r, start); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// WriteGzip writes the report as gzip-compressed XML, the usual
// attachment format (RFC 7489 section 7.2.1.1).
func (r *AggregateReport) WriteGzip(w io.Writer) error {
	zw := gzip.NewWriter(w)
	if err := r.WriteXML(zw); err != nil {
		return err
	}
	return zw.Close()
}

// Filename returns the attachment name of RFC 7489 section 7.2.1.1:
// receiver "!" policy-domain "!" begin "!" end [ "!" unique-id ] ".xml.gz".
func (r *AggregateReport) Filename(receiver string) string {
	return fmt.Sprintf("%s!%s!%d!%d!%s.xml.gz", receiver, r.Policy.Domain,
		r.Metadata.DateRange.Begin, r.Metadata.DateRange.End, r.Metadata.ReportID)
}
