package intake

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/settle-dev/settle/settlement"
	"github.com/settle-dev/settle/store"
)

// Issue #10.2: a CSV record is stored whole or not at all.

const wholeHeader = "partnerId,paymentId,paidAt,productId,productName,unitAmount,quantity\n"

func importCSV(t *testing.T, st *store.Store, name, text string) Report {
	t.Helper()
	rep, err := Import(context.Background(), st, []Input{{Name: name, R: strings.NewReader(text)}}, Options{Location: seoul})
	if err != nil {
		t.Fatalf("Import %s: %v", name, err)
	}
	return rep
}

func problemLines(ps []*Problem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, strings.TrimPrefix(p.Error(), p.Source+" "))
	}
	return out
}

func TestCSVRecordWholeOrNothing(t *testing.T) {
	ctx := context.Background()
	const (
		a1 = "partner-a,pay-1,2025-10-01T10:00:00+09:00,p-1,티셔츠,20000,2\n"
		a2 = "partner-a,pay-1,,p-2,양말 3켤레,5000,1\n"
		a3 = "partner-a,pay-1,,p-3,모자,15000,1\n"
		b1 = "partner-b,pay-2,2025-10-01T11:00:00+09:00,p-4,가방,30000,1\n"
	)
	for _, tc := range []struct {
		name, bad string
		created   int // records stored from the bad file
		problems  []string
		absent    []string // payment ids that must not be stored
	}{
		{
			name:    "unquoted comma in a Korean product name",
			bad:     wholeHeader + a1 + strings.Replace(a2, "양말 3켤레", "양말, 3켤레", 1) + a3 + b1,
			created: 1, absent: []string{"pay-1"},
			problems: []string{"line 3: want 7 fields as in the header, got 8 (an unquoted comma or quote?)"},
		},
		{
			name:    "comma in the last row of a record",
			bad:     wholeHeader + a1 + a2 + strings.Replace(a3, "모자", "모자, 검정", 1) + b1,
			created: 1, absent: []string{"pay-1"},
			problems: []string{"line 4: want 7 fields as in the header, got 8 (an unquoted comma or quote?)"},
		},
		{
			name:    "rows not consecutive",
			bad:     wholeHeader + a1 + a2 + b1 + a3,
			created: 1, absent: []string{"pay-1"},
			problems: []string{
				"line 2: paymentId: the rows of this record are not consecutive (lines 2–3, 5): put a record's rows together; the record is rejected whole",
				"line 5: paymentId: the rows of this record are not consecutive (lines 2–3, 5): put a record's rows together; the record is rejected whole",
			},
		},
		{
			name:    "an unreadable row between two records",
			bad:     wholeHeader + a1 + a2 + "partner-a,\"pay-1,,p-3,모자,15000,1\n" + b1,
			created: 0, absent: []string{"pay-1", "pay-2"},
			problems: []string{
				// The quote swallows the rest of the file: one unreadable line.
				"line 4: quoted field not closed before the end of the file",
				"line 2: line 4 cannot be read and may be a row of this record (lines 2–3): the record is rejected whole",
			},
		},
		{
			name:    "an unreadable row inside a record",
			bad:     wholeHeader + a1 + "partner-a,pay-1,,p-2,\"양말\"x,5000,1\n" + a3 + b1,
			created: 1, absent: []string{"pay-1"},
			problems: []string{
				"line 3: column 5: unexpected 'x' after a closing quote",
				"line 2: line 3 cannot be read and may be a row of this record (lines 2–4): the record is rejected whole",
			},
		},
		{
			name:    "every bad row of a record is reported",
			bad:     wholeHeader + a1 + strings.Replace(a2, ",5000,", ",abc,", 1) + strings.Replace(a3, ",1\n", ",-1\n", 1) + b1,
			created: 1, absent: []string{"pay-1"},
			problems: []string{`line 3: unitAmount: want an integer, got "abc"`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := openStore(t)
			rep := importCSV(t, st, "orders.csv", tc.bad)
			if rep.Created != tc.created {
				t.Errorf("created %d, want %d (%+v)", rep.Created, tc.created, rep.Counts)
			}
			if diff := cmp.Diff(tc.problems, problemLines(rep.Problems)); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			for _, pay := range tc.absent {
				if _, err := st.Order(ctx, "partner-a", settlement.PaymentID(pay)); err == nil {
					t.Errorf("%s was stored from a file where it is broken", pay)
				}
			}
			// The corrected file imports cleanly: no conflict with half a record.
			good := importCSV(t, st, "orders-fixed.csv", wholeHeader+a1+a2+a3+b1)
			if good.Conflict != 0 || good.Rejected != 0 || good.Created+good.Duplicate != 2 {
				t.Errorf("corrected file: %+v %v, want 2 records stored, no conflict", good.Counts, good.Problems)
			}
			o, err := st.Order(ctx, "partner-a", "pay-1")
			if err != nil || len(o.Order.Lines) != 3 {
				t.Errorf("pay-1 after the corrected file: %d lines, %v; want 3", len(o.Order.Lines), err)
			}
		})
	}
}

// TestCSVEveryBadRow: a record with two bad rows reports both, each with
// its line, and is kept once in rejected records naming both.
func TestCSVEveryBadRow(t *testing.T) {
	st := openStore(t)
	rep := importCSV(t, st, "o.csv", wholeHeader+
		"p,q,2025-10-01T10:00:00+09:00,a,A,abc,1\n"+
		"p,q,,b,B,100,0\n"+
		"p,q,,c,C,100,zwei\n")
	want := []string{`line 2: unitAmount: want an integer, got "abc"`, `line 4: quantity: want an integer, got "zwei"`}
	if diff := cmp.Diff(want, problemLines(rep.Problems)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if rep.Rejected != 1 {
		t.Errorf("rejected %d records, want 1", rep.Rejected)
	}
	rej := countRejected(t, st)
	if len(rej) != 1 || !strings.Contains(rej[0].Reason, "line 4: quantity") {
		t.Errorf("rejected records %+v, want one naming line 4 too", rej)
	}
}

// TestCSVFromStdin: a CSV that cannot seek (standard input) is read twice
// all the same.
func TestCSVFromStdin(t *testing.T) {
	st := openStore(t)
	text := wholeHeader + "p,q,2025-10-01T10:00:00+09:00,a,A,100,1\np,r,2025-10-01T10:00:00+09:00,a,A,100,1\np,q,,b,B,100,1\n"
	rep, err := Import(context.Background(), st, []Input{{Name: "stdin.csv", R: struct{ io_Reader }{strings.NewReader(text)}}}, Options{Location: seoul})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Created != 1 || rep.Rejected != 2 {
		t.Errorf("counts %+v, want r stored and both parts of q rejected", rep.Counts)
	}
}

type io_Reader interface{ Read([]byte) (int, error) }

// TestHorizon (issue #10.3): a record dated outside the horizon is refused
// at intake naming the field, instead of answered 201 and never settled.
func TestHorizon(t *testing.T) {
	now := time.Date(2025, 10, 10, 12, 0, 0, 0, seoul)
	r := Rules{Location: seoul, HorizonDays: DefaultHorizonDays, Now: func() time.Time { return now }}
	order := func(paid, extra string) string {
		return `{"partnerId":"p","paymentId":"q","paidAt":"` + paid + `","orderDetail":{"orderAmount":1000}` + extra + `}`
	}
	for _, tc := range []struct{ name, rec, field string }{
		{"yesterday", order("2025-10-09T10:00:00+09:00", ""), ""},
		{"45 days ago", order("2025-08-26T10:00:00+09:00", ""), ""},
		{"90 days ago", order("2025-07-12T10:00:00+09:00", ""), ""},
		{"91 days ago", order("2025-07-11T10:00:00+09:00", ""), "paidAt"},
		{"0000-01-01", order("0000-01-01T00:00:00Z", ""), "paidAt"},
		{"9999-12-31", order("9999-12-31T00:00:00Z", ""), "paidAt"},
		{"tomorrow", order("2025-10-11T23:00:00+09:00", ""), ""},
		{"the day after tomorrow", order("2025-10-12T00:00:00+09:00", ""), "paidAt"},
		{"settlementStartDate long ago", order("2025-10-09T10:00:00+09:00", `,"settlementStartDate":"2020-01-01"`), "settlementStartDate"},
		{"settlementStartDate in a month", order("2025-10-09T10:00:00+09:00", `,"settlementStartDate":"2025-11-10"`), ""},
		{"settlementDate 9999-12-31", order("2025-10-09T10:00:00+09:00", `,"settlementDate":"9999-12-31"`), "settlementDate"},
		{"cancel 0000-01-01", `{"partnerId":"p","paymentId":"q","cancellationId":"c","cancelledAt":"0000-01-01T00:00:00Z","orderDetail":{"all":{}}}`, "cancelledAt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := r.DecodeRecord([]byte(tc.rec))
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			se, ok := settlement.AsError(err)
			if !ok || se.Field != tc.field {
				t.Fatalf("got %v, want refused naming %s", err, tc.field)
			}
		})
	}
	// Off unless configured: library callers decide (settle sets SETTLE_HORIZON).
	if _, err := (Rules{Location: seoul}).DecodeRecord([]byte(order("2020-01-01T00:00:00Z", ""))); err != nil {
		t.Errorf("without a horizon: %v", err)
	}
}

// TestTestMode (issue #10.7): a record whose isForTest disagrees with
// PORTONE_TEST_MODE is refused naming the field; the flag is never stored.
func TestTestMode(t *testing.T) {
	rec := func(flag string) []byte {
		return []byte(`{"partnerId":"p","paymentId":"q","paidAt":"2025-10-01T10:00:00+09:00","orderDetail":{"orderAmount":1000}` + flag + `}`)
	}
	for _, tc := range []struct {
		mode  bool
		flag  string
		field string
	}{
		{false, "", ""}, {false, `,"isForTest":false`, ""}, {false, `,"isForTest":true`, "isForTest"},
		{true, "", ""}, {true, `,"isForTest":true`, ""}, {true, `,"isForTest":false`, "isForTest"},
		{false, `,"isForTest":null`, ""}, {false, `,"isForTest":"true"`, "isForTest"},
	} {
		r := Rules{Location: seoul, TestMode: tc.mode}
		got, err := r.DecodeRecord(rec(tc.flag))
		if tc.field != "" {
			if se, ok := settlement.AsError(err); !ok || se.Field != tc.field {
				t.Errorf("mode %t, record%s: %v, want refused naming isForTest", tc.mode, tc.flag, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("mode %t, record%s: %v", tc.mode, tc.flag, err)
			continue
		}
		if strings.Contains(string(got.JSON()), "isForTest") {
			t.Errorf("mode %t: stored form keeps isForTest: %s", tc.mode, got.JSON())
		}
	}
}
