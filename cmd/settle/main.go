// Command settle runs partner settlement on PortOne's platform API.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "settle: under construction")
	os.Exit(2)
}
