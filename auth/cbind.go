package auth

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"fmt"

	_ "crypto/sha256" // register SHA-256 for crypto.Hash.New
	_ "crypto/sha512" // register SHA-384 and SHA-512
)

// Channel binding types usable with the SCRAM -PLUS mechanisms.
const (
	// CBTLSExporter is "tls-exporter" (RFC 9266): 32 bytes of keying material
	// exported with the label "EXPORTER-Channel-Binding" and no context
	// value, as OpenSSL-based peers compute it (on TLS 1.3 an empty context
	// gives the same bytes). It is the default on TLS 1.3, where tls-unique
	// is undefined; on TLS 1.2 it needs Extended Master Secret.
	CBTLSExporter = "tls-exporter"
	// CBTLSServerEndPoint is "tls-server-end-point" (RFC 5929 section 4): a
	// hash of the server's certificate. It is the default on TLS 1.2 and
	// below.
	CBTLSServerEndPoint = "tls-server-end-point"
	// CBTLSUnique is "tls-unique" (RFC 5929 section 3): the first Finished
	// message of the handshake. Only defined for TLS 1.2 and below, and only
	// when the session was not resumed without Extended Master Secret.
	CBTLSUnique = "tls-unique"
)

const exporterLabel = "EXPORTER-Channel-Binding" // RFC 9266 section 2

// ChannelBindingData computes the channel binding data of type typ for the
// TLS connection cs. serverCert is the server's leaf certificate; it is only
// needed for tls-server-end-point on the server side, because a server's
// tls.ConnectionState does not carry its own certificate (on the client side
// PeerCertificates[0] is used when serverCert is nil). It returns an error
// matching ErrChannelBinding when the type is unknown or not available on
// this connection.
func ChannelBindingData(cs *tls.ConnectionState, typ string, serverCert *x509.Certificate) ([]byte, error) {
	return cbData(cs, typ, serverCert, false)
}

// cbData is ChannelBindingData; on the server side (server true) the peer
// certificates belong to the client and must never be hashed.
func cbData(cs *tls.ConnectionState, typ string, serverCert *x509.Certificate, server bool) ([]byte, error) {
	if cs == nil {
		return nil, fmt.Errorf("%w: no TLS connection", ErrChannelBinding)
	}
	switch typ {
	case CBTLSExporter:
		// RFC 9266 section 2: on TLS 1.2 the exporter is only safe with
		// Extended Master Secret; crypto/tls refuses to export without it.
		b, err := cs.ExportKeyingMaterial(exporterLabel, nil, 32)
		if err != nil {
			return nil, fmt.Errorf("%w: tls-exporter: %v", ErrChannelBinding, err)
		}
		return b, nil
	case CBTLSUnique:
		if cs.Version >= tls.VersionTLS13 || len(cs.TLSUnique) == 0 {
			return nil, fmt.Errorf("%w: tls-unique not available on this connection", ErrChannelBinding)
		}
		return append([]byte(nil), cs.TLSUnique...), nil
	case CBTLSServerEndPoint:
		cert := serverCert
		if cert == nil && !server && len(cs.PeerCertificates) > 0 {
			cert = cs.PeerCertificates[0]
		}
		if cert == nil {
			return nil, fmt.Errorf("%w: tls-server-end-point needs the server certificate", ErrChannelBinding)
		}
		return serverEndPoint(cert)
	}
	return nil, fmt.Errorf("%w: unknown channel binding type %q", ErrChannelBinding, typ)
}

// serverEndPoint hashes the certificate per RFC 5929 section 4.1: with the
// hash of its signature algorithm, except that MD5 and SHA-1 are replaced
// by SHA-256.
func serverEndPoint(cert *x509.Certificate) ([]byte, error) {
	var h crypto.Hash
	switch cert.SignatureAlgorithm {
	case x509.MD5WithRSA, x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1,
		x509.SHA256WithRSA, x509.SHA256WithRSAPSS, x509.ECDSAWithSHA256, x509.DSAWithSHA256:
		h = crypto.SHA256
	case x509.SHA384WithRSA, x509.SHA384WithRSAPSS, x509.ECDSAWithSHA384:
		h = crypto.SHA384
	case x509.SHA512WithRSA, x509.SHA512WithRSAPSS, x509.ECDSAWithSHA512:
		h = crypto.SHA512
	default:
		// RFC 5929 defines no hash for algorithms without one (Ed25519) or
		// unknown ones; refusing is the interoperable choice.
		return nil, fmt.Errorf("%w: tls-server-end-point undefined for signature algorithm %v",
			ErrChannelBinding, cert.SignatureAlgorithm)
	}
	hh := h.New()
	hh.Write(cert.Raw)
	return hh.Sum(nil), nil
}

// defaultBindingType picks the channel binding a client uses on cs: tls-exporter
// on TLS 1.3, else tls-server-end-point, else tls-unique; "" if none works.
func defaultBindingType(cs *tls.ConnectionState) string {
	if cs == nil {
		return ""
	}
	var order []string
	if isTLS13(cs) {
		order = []string{CBTLSExporter, CBTLSServerEndPoint}
	} else {
		order = []string{CBTLSServerEndPoint, CBTLSUnique}
	}
	for _, typ := range order {
		if _, err := ChannelBindingData(cs, typ, nil); err == nil {
			return typ
		}
	}
	return ""
}
