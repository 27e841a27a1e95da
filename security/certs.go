package security

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

// CheckCertificates checks that data is PEM certificates and nothing
// else: at least one CERTIFICATE block, each a certificate x509 parses.
func CheckCertificates(data []byte) error {
	n, rest := 0, data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		n++
		if b.Type != "CERTIFICATE" {
			return fmt.Errorf("block %d is a %s, not a CERTIFICATE (a private key never belongs in an image)", n, b.Type)
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return fmt.Errorf("certificate %d: %v", n, err)
		}
	}
	switch {
	case n == 0:
		return fmt.Errorf("no PEM certificate in it (-----BEGIN CERTIFICATE-----)")
	case len(bytes.TrimSpace(rest)) > 0:
		return fmt.Errorf("after %d certificates, %d bytes that are not PEM", n, len(bytes.TrimSpace(rest)))
	}
	return nil
}
