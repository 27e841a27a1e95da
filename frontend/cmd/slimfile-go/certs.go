package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/slimfile/slimfile/internal/gostep"
	"github.com/slimfile/slimfile/security"
)

// appendCerts writes the CA bundle c.Bundle with the certificates of
// c.Add appended, which must be certificates (the frontend checked them
// already, with the Slimfile line to point at).
func appendCerts(c *gostep.Certs) error {
	bundle, err := os.ReadFile(c.Bundle)
	if err != nil {
		return fmt.Errorf("the toolchain's CA bundle: %w", err)
	}
	extra, err := os.ReadFile(c.Add)
	if err != nil {
		return err
	}
	if err := security.CheckCertificates(extra); err != nil {
		return fmt.Errorf("image.ca: %w", err)
	}
	if len(bundle) > 0 && !bytes.HasSuffix(bundle, []byte("\n")) {
		bundle = append(bundle, '\n')
	}
	fmt.Println("CA bundle: the toolchain's, with image.ca's certificates appended")
	return writeFile(c.Out, append(bundle, extra...))
}
