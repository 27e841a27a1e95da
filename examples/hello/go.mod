module github.com/slimfile/slimfile/examples/hello

go 1.26
