package report

import (
	"bytes"
	"encoding/json"
)

// JSON is report.json: the model, indented so that two builds' reports diff
// line by line, with every list a list (never null) and Schema set. It fails
// only for a Schema other than SchemaID.
func JSON(r *Report) ([]byte, error) {
	n, err := normalized(r)
	if err != nil {
		return nil, err
	}
	return encode(n)
}

// SVG is report.svg: the treemap of the image's compressed bytes down to
// the binary's packages, static, with a title line of the image's totals.
func SVG(r *Report) ([]byte, error) {
	n, err := normalized(r)
	if err != nil {
		return nil, err
	}
	return writeSVG(n), nil
}

// HTML is report.html: one self-contained page (no network, no file beside
// it) with the zoomable treemap, drawn by its inline script from the
// report.json it embeds, and the tables of the report.
func HTML(r *Report) ([]byte, error) {
	n, err := normalized(r)
	if err != nil {
		return nil, err
	}
	data, err := encode(n)
	if err != nil {
		return nil, err
	}
	return writePage(n, data)
}

// encode writes n as report.json does. HTML is not escaped (a path with "<"
// stays readable); the page escapes it where it embeds it.
func encode(n *Report) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(n); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
