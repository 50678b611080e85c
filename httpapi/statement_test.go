package httpapi

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/settle-dev/settle/reports"
	"github.com/settle-dev/settle/store"
)

// TestGetStatement: GET /v1/partners/{id}/statement answers a known
// partner's statement as an .xlsx that opens and names the partner and the
// range, in either language; a bad date, range or language is a 400 on
// the field, an unknown partner a 404, and no token a 401.
func TestGetStatement(t *testing.T) {
	a := newTestAPI(t, nil)
	if err := a.st.SavePartner(context.Background(), store.Partner{ID: "partner-1", Name: "칠공칠 상점",
		Raw: []byte(`{"id":"partner-1","name":"칠공칠 상점","type":{"type":"WHT_PAYER"}}`)}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ lang, sheet, want string }{
		{"", "정산서", "2025-09-29 – 2025-10-05"},
		{"en", reports.SheetName(reports.SheetStatement, reports.LangEN), "2025-09-29 – 2025-10-05"},
	} {
		path := "/v1/partners/partner-1/statement?from=2025-09-29&to=2025-10-05"
		if c.lang != "" {
			path += "&lang=" + c.lang
		}
		got := a.do(t, "GET", path, testToken, nil, nil)
		if got.status != http.StatusOK || got.header.Get("Content-Type") != xlsxType ||
			!strings.Contains(got.header.Get("Content-Disposition"), "statement-2025-09-29_2025-10-05.xlsx") {
			t.Fatalf("GET %s = %d %v %.200s", path, got.status, got.header, got.body)
		}
		f, err := excelize.OpenReader(bytes.NewReader(got.body))
		if err != nil {
			t.Fatalf("the statement does not open: %v", err)
		}
		rows, err := f.GetRows(c.sheet)
		f.Close()
		if err != nil {
			t.Fatalf("lang %q: %v (sheets %v)", c.lang, err, f.GetSheetList())
		}
		var text strings.Builder
		for _, r := range rows {
			text.WriteString(strings.Join(r, "|") + "\n")
		}
		for _, want := range []string{"partner-1", "칠공칠 상점", c.want} {
			if !strings.Contains(text.String(), want) {
				t.Errorf("lang %q: the statement lacks %q:\n%s", c.lang, want, text.String())
			}
		}
	}
	for _, c := range []struct {
		query, field string
	}{
		{"", "from"},
		{"?from=2025-09-29", "to"},
		{"?from=2025-9-29&to=2025-10-05", "from"},
		{"?from=2025-10-05&to=2025-09-29", "to"},
		{"?from=2024-01-01&to=2025-10-05", "to"},
		{"?from=2025-09-29&to=2025-10-05&lang=jp", "lang"},
	} {
		got := a.do(t, "GET", "/v1/partners/partner-1/statement"+c.query, testToken, nil, nil)
		if got.status != http.StatusBadRequest || got.err(t).Field != c.field {
			t.Errorf("GET statement%s = %d %s, want 400 on %s", c.query, got.status, got.body, c.field)
		}
	}
	got := a.do(t, "GET", "/v1/partners/nobody/statement?from=2025-09-29&to=2025-10-05", testToken, nil, nil)
	if got.status != http.StatusNotFound || got.err(t).Type != string(errNotFound) {
		t.Errorf("GET statement of an unknown partner = %d %s, want 404", got.status, got.body)
	}
	if got := a.do(t, "GET", "/v1/partners/partner-1/statement?from=2025-09-29&to=2025-10-05", "", nil, nil); got.status != http.StatusUnauthorized {
		t.Errorf("GET statement without a token = %d, want 401", got.status)
	}
}
