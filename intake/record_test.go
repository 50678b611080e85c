package intake

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/settle-dev/settle/settlement"
)

func TestDecodeRecord(t *testing.T) {
	const paid = `"paidAt":"2025-09-30T15:30:00Z"`
	for _, tc := range []struct {
		name, in  string
		typ       string
		field     string // "" when accepted
		wantStart string
	}{
		{"order, start date from paidAt in SETTLE_TZ", `{"partnerId":"p","paymentId":"q",` + paid + `,"orderDetail":{"orderAmount":1000}}`, TypeOrder, "", "2025-10-01"},
		{"explicit start date kept", `{"partnerId":"p","paymentId":"q",` + paid + `,"settlementStartDate":"2025-09-29","orderDetail":{"orderAmount":1000}}`, TypeOrder, "", "2025-09-29"},
		{"cancellationId makes a cancellation", `{"partnerId":"p","paymentId":"q","cancellationId":"c","cancelledAt":"2025-10-01T00:00:00+09:00","orderDetail":{"all":{}}}`, TypeOrderCancel, "", "2025-10-01"},
		{"type ORDER_CANCEL needs cancellationId", `{"type":"ORDER_CANCEL","partnerId":"p","paymentId":"q","cancelledAt":"2025-10-01T00:00:00Z","orderDetail":{"all":{}}}`, "", "cancellationId", ""},
		{"unknown type", `{"type":"MANUAL","partnerId":"p"}`, "", "type", ""},
		{"type not a string", `{"type":1}`, "", "type", ""},
		{"paidAt required", `{"partnerId":"p","paymentId":"q","orderDetail":{"orderAmount":1}}`, "", "paidAt", ""},
		{"cancel needs partnerId", `{"paymentId":"q","cancellationId":"c","cancelledAt":"2025-10-01T00:00:00Z","orderDetail":{"all":{}}}`, "", "partnerId", ""},
		{"no lines", `{"partnerId":"p","paymentId":"q",` + paid + `,"orderDetail":{"orderLines":[]}}`, "", "orderDetail.orderLines", ""},
		{"data after the object", `{"partnerId":"p"} {}`, "", "", ""},
		{"not UTF-8", "{\"partnerId\":\"\xff\"}", "", "partnerId", ""},
		{"line amount overflow", `{"partnerId":"p","paymentId":"q",` + paid + `,"orderDetail":{"orderLines":[{"product":{"id":"a","name":"n","amount":99999999999999},"quantity":2147483647}]}}`, "", "orderDetail.orderLines[0].quantity", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec, err := DecodeRecord([]byte(tc.in), seoul)
			if tc.typ == "" {
				var se *settlement.Error
				if !errors.As(err, &se) {
					t.Fatalf("DecodeRecord(%s) = %v, want a *settlement.Error", tc.in, err)
				}
				if se.Field != tc.field {
					t.Errorf("DecodeRecord(%s) field = %q (%v), want %q", tc.in, se.Field, se, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeRecord(%s): %v", tc.in, err)
			}
			if rec.Type() != tc.typ {
				t.Errorf("DecodeRecord(%s) type = %s, want %s", tc.in, rec.Type(), tc.typ)
			}
			if !strings.Contains(string(rec.JSON()), `"settlementStartDate":"`+tc.wantStart+`"`) {
				t.Errorf("DecodeRecord(%s) stored form %s, want settlementStartDate %s", tc.in, rec.JSON(), tc.wantStart)
			}
		})
	}
}

func TestSplitCSVRecord(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
		bad  bool
	}{
		{`a,b,c`, []string{"a", "b", "c"}, false},
		{`,,`, []string{"", "", ""}, false},
		{``, []string{""}, false},
		{`"a,b","c ""d""",e`, []string{"a,b", `c "d"`, "e"}, false},
		{"\"multi\nline\",x", []string{"multi\nline", "x"}, false},
		{`"",""`, []string{"", ""}, false},
		{`a"b,c`, nil, true},
		{`"a"b,c`, nil, true},
		{`"abc`, nil, true},
	} {
		got, err := splitCSVRecord([]byte(tc.in))
		if tc.bad {
			if err == nil {
				t.Errorf("splitCSVRecord(%q) = %q, want an error", tc.in, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("splitCSVRecord(%q): %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("splitCSVRecord(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func readAllCSV(t *testing.T, text string, maxLine int) (recs []Record, probs []*Problem) {
	t.Helper()
	err := readCSV(context.Background(), strings.NewReader(text), "t.csv", readOpts{rules: Rules{Location: seoul}, maxLine: maxLine}, func(it item) error {
		if len(it.probs) > 0 {
			probs = append(probs, it.probs...)
		} else {
			recs = append(recs, it.rec)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("readCSV: %v", err)
	}
	return recs, probs
}

func TestReadCSVShapes(t *testing.T) {
	const hdr = "partnerId,paymentId,paidAt,productId,productName,unitAmount,quantity,memo\n"
	for _, tc := range []struct {
		name, text string
		records    int
		problems   []string // "line field"
	}{
		{"quoted multi-line memo", hdr + "p,q,2025-10-01T00:00:00Z,a,A,100,1,\"two\nlines\"\np,q2,2025-10-01T00:00:00Z,b,B,100,1,\n", 2, nil},
		// Issue #10.2: both parts of q are rejected (it was stored as its first part).
		{"rows not consecutive", hdr + "p,q,2025-10-01T00:00:00Z,a,A,100,1,\np,r,2025-10-01T00:00:00Z,a,A,100,1,\np,q,,b,B,100,1,\n", 1, []string{"2 paymentId", "4 paymentId"}},
		{"record-level values disagree", hdr + "p,q,2025-10-01T00:00:00Z,a,A,100,1,x\np,q,,b,B,100,1,y\n", 0, []string{"3 memo"}},
		{"wrong field count", hdr + "p,q,2025-10-01T00:00:00Z,a,A,100\n", 0, []string{"2 "}},
		{"unterminated quote", hdr + "p,q,2025-10-01T00:00:00Z,a,A,100,1,\"open\n", 0, []string{"2 "}},
		{"missing paymentId column", "partnerId,productId\np,a\n", 0, []string{"1 paymentId"}},
		{"reserved column", "partnerId,paymentId,orderDetail\np,q,x\n", 0, []string{"1 orderDetail"}},
		// Issue #10.2: the unreadable line may be q2's first row, so q2 is rejected whole.
		{"line too long", hdr + "p,q,2025-10-01T00:00:00Z,a," + strings.Repeat("A", 300) + ",100,1,\np,q2,2025-10-01T00:00:00Z,b,B,100,1,\n", 0, []string{"2 ", "3 "}},
		{"not UTF-8 (CP949)", hdr + "p,q,2025-10-01T00:00:00Z,a,\xc6\xbc\xbc\xc5\xc3\xf7,100,1,\n", 0, []string{"2 "}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs, probs := readAllCSV(t, tc.text, 256)
			var got []string
			for _, p := range probs {
				got = append(got, fmt.Sprintf("%d %s", p.Line, p.Field()))
			}
			if len(recs) != tc.records {
				t.Errorf("records = %d, want %d (problems %v)", len(recs), tc.records, probs)
			}
			if diff := cmp.Diff(tc.problems, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s\n%v", diff, probs)
			}
		})
	}
}

// TestREADMEExample imports the CSV example of the README.
func TestREADMEExample(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start := strings.Index(s, "```csv\n")
	end := strings.Index(s[start+7:], "```")
	if start < 0 || end < 0 {
		t.Fatal("README.md has no ```csv example")
	}
	st := openStore(t)
	rep, err := Import(context.Background(), st, []Input{{Name: "example.csv", R: strings.NewReader(s[start+7 : start+7+end])}}, Options{Location: seoul})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Counts{Read: 4, Created: 4}, rep.Counts); diff != "" {
		t.Errorf("README example (-want +got):\n%s\n%v", diff, rep.Problems)
	}
}
