package message

import "strings"

// Bodies are the parts a mail client shows, chosen from a complete entity
// tree (see ReadStructure) by the algorithm of RFC 8621 section 4.1.4.
type Bodies struct {
	Text        []*Entity // text/plain parts (and inline media) to show as plain text
	HTML        []*Entity // text/html parts (and inline media) to show as HTML
	Attachments []*Entity // everything else, message/rfc822 parts included
}

// TextBody returns the Text list of FindBodies(root).
func TextBody(root *Entity) []*Entity { return FindBodies(root).Text }

// HTMLBody returns the HTML list of FindBodies(root).
func HTMLBody(root *Entity) []*Entity { return FindBodies(root).HTML }

// Attachments returns the Attachments list of FindBodies(root).
func Attachments(root *Entity) []*Entity { return FindBodies(root).Attachments }

// FindBodies applies RFC 8621 section 4.1.4 (parseStructure) to the tree
// below root. Encapsulated messages are attachments, not descended into.
func FindBodies(root *Entity) Bodies {
	if root == nil {
		return Bodies{}
	}
	var b Bodies
	text, html := []*Entity{}, []*Entity{}
	parseStructure([]*Entity{root}, "mixed", false, &html, &text, &b.Attachments)
	b.Text, b.HTML = text, html
	return b
}

func isInlineMedia(t string) bool {
	return strings.HasPrefix(t, "image/") || strings.HasPrefix(t, "audio/") || strings.HasPrefix(t, "video/")
}

// IsAttachment reports whether the entity has Content-Disposition
// attachment (RFC 2183 section 2.2).
func (e *Entity) IsAttachment() bool { return e.Disposition.Type == "attachment" }

// parseStructure is the algorithm of RFC 8621 section 4.1.4; a nil list
// pointer stands for the algorithm's null.
func parseStructure(parts []*Entity, multipartType string, inAlternative bool, html, text, att *[]*Entity) {
	textLen, htmlLen := -1, -1
	if text != nil {
		textLen = len(*text)
	}
	if html != nil {
		htmlLen = len(*html)
	}
	for i, p := range parts {
		typ := p.MediaType.Type + "/" + p.MediaType.Subtype
		inline := p.Disposition.Type != "attachment" &&
			(typ == "text/plain" || typ == "text/html" || isInlineMedia(typ)) &&
			(i == 0 || multipartType != "related" && (isInlineMedia(typ) || p.Filename() == ""))
		switch {
		case p.IsMultipart():
			sub := p.MediaType.Subtype
			parseStructure(p.Children, sub, inAlternative || sub == "alternative", html, text, att)
		case inline:
			if multipartType == "alternative" {
				switch typ {
				case "text/plain":
					*text = append(*text, p)
				case "text/html":
					*html = append(*html, p)
				default:
					*att = append(*att, p)
				}
				continue
			}
			if inAlternative {
				// As in the RFC's code, this holds for the rest of the list.
				if typ == "text/plain" {
					html = nil
				}
				if typ == "text/html" {
					text = nil
				}
			}
			if text != nil {
				*text = append(*text, p)
			}
			if html != nil {
				*html = append(*html, p)
			}
			if (text == nil || html == nil) && isInlineMedia(typ) {
				*att = append(*att, p)
			}
		default:
			*att = append(*att, p)
		}
	}
	if multipartType == "alternative" && text != nil && html != nil {
		if textLen == len(*text) && htmlLen != len(*html) {
			*text = append(*text, (*html)[htmlLen:]...)
		}
		if htmlLen == len(*html) && textLen != len(*text) {
			*html = append(*html, (*text)[textLen:]...)
		}
	}
}
