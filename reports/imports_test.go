package reports

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports holds the house rule: reports imports settlement, excelize
// and the standard library, never store, transfer, jobs or cmd.
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case p == "github.com/settle-dev/settle/settlement", p == "github.com/xuri/excelize/v2":
			case !strings.Contains(strings.Split(p, "/")[0], "."): // standard library
			default:
				t.Errorf("%s imports %q; reports may import only settlement, excelize and the standard library", name, p)
			}
		}
	}
}
