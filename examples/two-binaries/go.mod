module github.com/slimfile/slimfile/examples/two-binaries

go 1.22
