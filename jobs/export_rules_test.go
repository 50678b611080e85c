package jobs

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/settle-dev/settle/reports"
	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store/storetest"
)

// TestExportShowsRulesApplied (issue #14 with #16): the Contracts sheet
// lists the version of the merchant's rules that computed the range's
// transfers and their formulas, read from the rules file kept for the
// version, also after SETTLE_RULES changed back to the defaults; before,
// it always said "PortOne's default formulas".
func TestExportShowsRulesApplied(t *testing.T) {
	d := settlement.MustDate("2025-09-29")
	rules := helpCenterRules(t)
	h := newRulesHarness(t, storetest.SQLiteDSN(t), filepath.Join("..", "testdata", "pipeline", "marketplace.json"), rules, rules)
	if rep := h.importFiles(t, helpCenterOrders(t)); !rep.OK() {
		t.Fatalf("import: %+v", rep)
	}
	if _, err := h.nightlyAt(t, d); err != nil {
		t.Fatal(err)
	}
	// The merchant went back to PortOne's defaults since.
	now := NewPipeline(h.st, h.client, Options{Loc: h.loc, Now: h.clock.Now, OutDir: t.TempDir(), Owner: "later"})
	for _, p := range []*Pipeline{h.p, now} {
		path := filepath.Join(t.TempDir(), "week.xlsx")
		if err := p.ExportFile(context.Background(), d, d, path, ExportOptions{Lang: "en"}); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		f := openBook(t, data)
		rows, err := f.GetRows(reports.SheetName(reports.SheetContracts, reports.LangEN))
		if err != nil {
			t.Fatal(err)
		}
		var text strings.Builder
		for _, r := range rows {
			text.WriteString(strings.Join(r, "|") + "\n")
		}
		for _, want := range []string{
			"Rules version " + rules.Version() + ": 5 transfers",
			"platformFee = PAYMENT_AMOUNT * FIXED_RATE + FIXED_AMOUNT [round DOWN]",
			"settlement = ORDER_AMOUNT - PLATFORM_FEE_AMOUNT - ADDITIONAL_FEE_AMOUNT [round DOWN]",
		} {
			if !strings.Contains(text.String(), want) {
				t.Errorf("Contracts lacks %q:\n%s", want, text.String())
			}
		}
		if strings.Contains(text.String(), "PortOne's default formulas") {
			t.Errorf("Contracts says PortOne's default formulas applied:\n%s", text.String())
		}
	}
}
