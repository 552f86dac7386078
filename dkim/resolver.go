package dkim

import "github.com/yubinmail/yubin/internal/dnsclient"

// defaultResolver builds the shared miekg/dns resolver from
// /etc/resolv.conf. It is only called when the options name no Resolver,
// so nothing is dialled unless verification is asked for.
func defaultResolver() (Resolver, error) {
	return dnsclient.New(nil)
}
