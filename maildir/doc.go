// Package maildir stores messages in Maildir and Maildir++ directories.
//
// A Maildir is a directory with three subdirectories: tmp, new and cur. A
// message is delivered by writing it under a unique name in tmp, flushing it
// to disk, and renaming it into new. The rename is atomic, so a reader never
// sees a partial message, and a process that dies part way leaves at most a
// stray file in tmp, which [Dir.CleanTmp] removes later. Nothing that
// [Dir.Deliver] reported as delivered is lost: the file and the directory
// entry are both synced before it returns.
//
// Maildir++ adds sub-folders as sibling directories named with a leading dot
// (".Sent", ".Archive.2026"), each a Maildir of its own that holds an empty
// file named maildirfolder. [Dir.Folder] opens or creates one.
//
// References:
//   - the Maildir format: https://cr.yp.to/proto/maildir.html
//   - Maildir++: https://www.courier-mta.org/maildir.html
//   - RFC 5321 section 4.4: the Return-Path field written at final delivery.
//
// File names follow the modern Maildir convention,
// "SECONDS.MMICROSECONDSPPIDRRANDOM.HOST,S=SIZE", where RANDOM is 64 bits
// from crypto/rand (so no per-process counter is needed) and S= is the
// Maildir++ size. Messages in cur carry an info suffix ":2,FLAGS".
//
// QUIRK: messages are stored with the line endings they arrived with (CRLF
// from SMTP). Dovecot and most readers accept both; keeping the bytes as
// received keeps DKIM signatures verifiable.
package maildir
