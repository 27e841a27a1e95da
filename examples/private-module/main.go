// Command private-module prints a greeting from a private module, fetched
// at build time with credentials that never reach the image.
package main

import (
	"fmt"

	"example.com/private/greet"
)

func main() { fmt.Println(greet.Hello()) }
