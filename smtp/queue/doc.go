// Package queue is a durable outbound mail queue: the MTA role that takes a
// message, finds the next hop for each recipient's domain (MX records, RFC
// 5321 section 5.1), delivers, retries with backoff, and bounces.
//
//   - Enqueue writes the message and its envelope to a Store (a directory by
//     default: written to tmp/, fsynced, renamed into place, directory
//     fsynced) before it returns, so an SMTP server can answer 250 right
//     after it. A crash or restart loses nothing: New reloads the store.
//   - Run delivers due items with a pool of workers and a per-domain
//     concurrency limit. Each recipient ends Delivered or Failed; temporary
//     failures (4xx, network and DNS errors) are retried with backoff
//     (DefaultBackoff) until MaxAge (default 5 days), when they fail with
//     5.4.7.
//   - Failed recipients get one RFC 3464 DSN, built with envelope.BuildDSN
//     and queued to the reverse-path with the null reverse-path, honouring
//     NOTIFY, RET and ENVID (RFC 3461). A message whose reverse-path is
//     null never gets one (RFC 5321 section 4.5.5), which also keeps a DSN
//     from bouncing. An optional "delayed" DSN is sent once after
//     DelayWarning.
//
// A delivery attempt is a DeliverFunc: smtp.Deliver by default (MX lookup,
// opportunistic STARTTLS, or a smarthost), so that tests and applications
// can plug in their own.
package queue
