// Stand-in for the binary of Kubernetes' e2e image nonewprivs
// (https://github.com/kubernetes/kubernetes/tree/v1.36.3/test/images/nonewprivs): installed
// setuid root, it prints the user it runs as, so a container started as a non-root uid shows
// whether privilege escalation happened ("Effective uid: 0") or was blocked by no_new_privs.
// emulator/process/stand-in-build.ts builds it once into the cache and makes it setuid root.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Printf("Effective uid: %d\n", os.Geteuid())
}
