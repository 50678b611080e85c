package jobs

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// maxDemoPages is the most pages the demo week's workbook may print as:
// issue #14 found 944 (no fit to width, no repeated headers).
const maxDemoPages = 150

// checkRendered converts the demo week's workbook and a partner's
// statement to PDF with LibreOffice, as finance would print them, and
// reads the pages back with poppler: the workbook prints in fewer than
// maxDemoPages pages, the Summary and the chart on one page each with
// every printed column, and the statement on a few pages. It is skipped
// where LibreOffice or poppler is missing (.ci/run installs them).
//
// To look at the pages: SETTLE_RENDER_DIR=/some/dir go test ./jobs -run
// TestDemoWeek/libreoffice keeps the PDFs there; `pdftoppm -png -r 70`
// turns pages into images.
func checkRendered(t *testing.T, r *demoRun) {
	soffice, err := exec.LookPath("soffice")
	if err != nil {
		t.Skip("LibreOffice (soffice) is not installed: apt-get install libreoffice-calc-nogui fonts-noto-cjk")
	}
	for _, tool := range []string{"pdfinfo", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed: apt-get install poppler-utils", tool)
		}
	}
	dir := os.Getenv("SETTLE_RENDER_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	_, book := r.export(t, "week.xlsx", ExportOptions{})
	_, stmt := r.export(t, "statement-p-kim-craft.xlsx", ExportOptions{PartnerID: "p-kim-craft"})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	profile := t.TempDir() // a profile of its own: no clash with a running LibreOffice
	cmd := exec.CommandContext(ctx, soffice, "--headless", "--norestore", "-env:UserInstallation=file://"+profile,
		"--convert-to", "pdf", "--outdir", dir, book, stmt)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
	pdf := filepath.Join(dir, "week.pdf")
	n := pages(t, pdf)
	t.Logf("the demo week's workbook prints as %d pages", n)
	if n >= maxDemoPages {
		t.Errorf("the demo week's workbook prints as %d pages, want fewer than %d", n, maxDemoPages)
	}
	// Every page's footer names its sheet (&A). The Summary and the chart
	// print on one page, with every printed column on it.
	bySheet := map[string][]string{}
	for p := 1; p <= n; p++ {
		text := pageText(t, pdf, p)
		lines := strings.Split(strings.TrimRight(text, "\n\f "), "\n")
		footer := strings.TrimSpace(lines[len(lines)-1])
		sheet, _, _ := strings.Cut(footer, "  ")
		bySheet[sheet] = append(bySheet[sheet], text)
	}
	for _, c := range []struct {
		sheet string
		has   []string
	}{
		{"요약", []string{"파트너 ID", "정산금액", "검증 차이", "합계 (Summary)"}},
		{"차트", []string{"정산일별 정산금액", "기타"}},
		{"실행 정보", []string{"파트너 정산 대사 보고서", "처리가 필요한 항목"}},
	} {
		got := bySheet[c.sheet]
		if len(got) != 1 {
			t.Errorf("sheet %s prints on %d pages, want 1 (sheets: %v)", c.sheet, len(got), keys(bySheet))
			continue
		}
		for _, s := range c.has {
			if !strings.Contains(got[0], s) {
				t.Errorf("the printed %s lacks %q", c.sheet, s)
			}
		}
	}
	// A detail sheet prints one page wide: its first and last columns are
	// on every page, under the repeated header.
	for i, text := range bySheet["주문"] {
		if !strings.Contains(text, "파트너 ID") || !strings.Contains(text, "이체 ID") {
			t.Errorf("page %d of 주문 lacks its header's first or last column", i+1)
		}
	}
	sp := pages(t, filepath.Join(dir, "statement-p-kim-craft.pdf"))
	if sp < 1 || sp > 8 {
		t.Errorf("the statement prints as %d pages, want 1 to 8", sp)
	}
	first := pageText(t, filepath.Join(dir, "statement-p-kim-craft.pdf"), 1)
	for _, s := range []string{"파트너 정산서", "김수공 공방", "정산일별 정산금액", "지급 및 원천징수"} {
		if !strings.Contains(first, s) {
			t.Errorf("the statement's first page lacks %q", s)
		}
	}
}

func pages(t *testing.T, pdf string) int {
	t.Helper()
	out, err := exec.Command("pdfinfo", pdf).Output()
	if err != nil {
		t.Fatalf("pdfinfo %s: %v", pdf, err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "Pages:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("pdfinfo %s: no page count", pdf)
	return 0
}

func pageText(t *testing.T, pdf string, p int) string {
	t.Helper()
	out, err := exec.Command("pdftotext", "-layout", "-f", strconv.Itoa(p), "-l", strconv.Itoa(p), pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext %s page %d: %v", pdf, p, err)
	}
	return string(out)
}

func keys(m map[string][]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k+"×"+strconv.Itoa(len(v)))
	}
	return out
}
