module github.com/slimfile/slimfile/examples/healthy

go 1.26
