package settlement

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestKoreanCalendarEmbeddedDataParses(t *testing.T) {
	hs, err := ParseHolidays(holidaysKR)
	if err != nil {
		t.Fatalf("ParseHolidays(holidays_kr.txt) error: %v", err)
	}
	if len(hs) < 11*15 {
		t.Errorf("ParseHolidays(holidays_kr.txt) = %d holidays, want at least %d (15 a year, 2020-2030)", len(hs), 11*15)
	}
	for _, h := range hs {
		if h.Name == "" {
			t.Errorf("holidays_kr.txt: %s has no name", h.Date)
		}
	}
	for y := 2020; y <= 2030; y++ {
		if !KoreanCalendar().CoversYear(y) {
			t.Errorf("KoreanCalendar().CoversYear(%d) = false, want true", y)
		}
	}
	if KoreanCalendar().CoversYear(2031) {
		t.Errorf("KoreanCalendar().CoversYear(2031) = true; update this test when the data is extended")
	}
}

// lunarBlocks are the 설날 and 추석 days and 부처님 오신 날, one row a year,
// as given in the issue and checked against the 월력요항 (2020-2027) and the
// astronomical computation in calendar_lunar_test.go.
var lunarBlocks = []struct {
	year                     int
	seollal, chuseok, buddha string
}{
	{2020, "2020-01-25", "2020-10-01", "2020-04-30"},
	{2021, "2021-02-12", "2021-09-21", "2021-05-19"},
	{2022, "2022-02-01", "2022-09-10", "2022-05-08"},
	{2023, "2023-01-22", "2023-09-29", "2023-05-27"},
	{2024, "2024-02-10", "2024-09-17", "2024-05-15"},
	{2025, "2025-01-29", "2025-10-06", "2025-05-05"},
	{2026, "2026-02-17", "2026-09-25", "2026-05-24"},
	{2027, "2027-02-07", "2027-09-15", "2027-05-13"},
	{2028, "2028-01-27", "2028-10-03", "2028-05-02"},
	{2029, "2029-02-13", "2029-09-22", "2029-05-20"},
	{2030, "2030-02-03", "2030-09-12", "2030-05-09"},
}

func TestKoreanCalendarLunarHolidays(t *testing.T) {
	cal := KoreanCalendar()
	for _, y := range lunarBlocks {
		t.Run(fmt.Sprint(y.year), func(t *testing.T) {
			s, c, b := MustDate(y.seollal), MustDate(y.chuseok), MustDate(y.buddha)
			for _, blk := range []struct {
				name string
				day  Date
			}{{"설날", s}, {"추석", c}} {
				for off := -1; off <= 1; off++ {
					d := blk.day.AddDays(off)
					if !strings.Contains(cal.HolidayName(d), blk.name) {
						t.Errorf("HolidayName(%s) = %q, want the %s block", d, cal.HolidayName(d), blk.name)
					}
				}
				// The block is exactly three days (plus a substitute, which is named as such).
				for _, d := range []Date{blk.day.AddDays(-2), blk.day.AddDays(2)} {
					if n := cal.HolidayName(d); strings.Contains(n, blk.name) && !strings.Contains(n, "대체공휴일") {
						t.Errorf("HolidayName(%s) = %q: the %s block is longer than three days", d, n, blk.name)
					}
				}
			}
			if n := cal.HolidayName(b); !strings.Contains(n, "부처님") {
				t.Errorf("HolidayName(%s) = %q, want 부처님 오신 날", b, n)
			}
			// Sanity windows that hold for every 설날 and 추석.
			if lo, hi := MakeDate(y.year, 1, 21), MakeDate(y.year, 2, 20); s.Before(lo) || s.After(hi) {
				t.Errorf("설날 %s is outside Jan 21..Feb 20", s)
			}
			if lo, hi := MakeDate(y.year, 9, 8), MakeDate(y.year, 10, 8); c.Before(lo) || c.After(hi) {
				t.Errorf("추석 %s is outside Sep 8..Oct 8", c)
			}
			if lo, hi := MakeDate(y.year, 4, 20), MakeDate(y.year, 5, 28); b.Before(lo) || b.After(hi) {
				t.Errorf("부처님 오신 날 %s is outside Apr 20..May 28", b)
			}
			// 추석 is 15 days into its lunar month, 설날 the first: the
			// distance between them is a whole number of lunations + 14
			// days, give or take a day (lunations vary from 29.3 to 29.8 days).
			gap := c.Time(time.UTC).Sub(s.Time(time.UTC)).Hours() / 24
			months := (gap - 14) / 29.530589
			if r := months - float64(int(months+0.5)); r > 0.06 || r < -0.06 {
				t.Errorf("설날 %s to 추석 %s is %.0f days, not 14 days past a whole number of lunations", s, c, gap)
			}
		})
	}
}

// TestKoreanCalendarSpotChecks pins every 설날/추석 block, substitute,
// election and temporary holiday of 2020-2030, one subtest a year.
func TestKoreanCalendarSpotChecks(t *testing.T) {
	want := map[int][]string{
		2020: {"01-24", "01-25", "01-26", "01-27 대체", "04-15", "04-30", "08-17", "09-30", "10-01", "10-02", "10-03"},
		2021: {"02-11", "02-12", "02-13", "05-19", "08-16 대체", "09-20", "09-21", "09-22", "10-04 대체", "10-11 대체"},
		2022: {"01-31", "02-01", "02-02", "03-09", "05-08", "06-01", "09-09", "09-10", "09-11", "09-12 대체", "10-10 대체"},
		2023: {"01-21", "01-22", "01-23", "01-24 대체", "05-27", "05-29 대체", "09-28", "09-29", "09-30", "10-02"},
		2024: {"02-09", "02-10", "02-11", "02-12 대체", "04-10", "05-06 대체", "05-15", "09-16", "09-17", "09-18", "10-01"},
		2025: {"01-27", "01-28", "01-29", "01-30", "03-03 대체", "05-05", "05-06 대체", "06-03", "10-05", "10-06", "10-07", "10-08 대체"},
		2026: {"02-16", "02-17", "02-18", "03-02 대체", "05-24", "05-25 대체", "06-03", "07-17", "08-17 대체", "09-24", "09-25", "09-26", "10-05 대체"},
		2027: {"02-06", "02-07", "02-08", "02-09 대체", "05-03 대체", "07-19 대체", "08-16 대체", "09-14", "09-15", "09-16", "10-04 대체", "10-11 대체", "12-27 대체"},
		2028: {"01-26", "01-27", "01-28", "04-12", "05-02", "10-02", "10-03", "10-04", "10-05 대체"},
		2029: {"02-12", "02-13", "02-14", "05-07 대체", "05-20", "05-21 대체", "09-21", "09-22", "09-23", "09-24 대체"},
		2030: {"02-02", "02-03", "02-04", "02-05 대체", "05-06 대체", "05-09", "09-11", "09-12", "09-13"},
	}
	// Days that look like candidates but are business days.
	notHoliday := map[int][]string{
		2020: {"10-05", "10-08"},          // 개천절 on Saturday: no substitute before 2021
		2022: {"05-09"},                   // 부처님 오신 날 on Sunday: no substitute before 2023
		2023: {"10-04", "09-27"},          // 추석 ended Saturday: no substitute (D3)
		2024: {"02-13"},                   // one substitute for the 설날 Sunday
		2025: {"05-07", "01-31"},          // two holidays on 05-05 give one substitute
		2026: {"06-08"},                   // 현충일 on Saturday: never substituted
		2027: {"01-04"},                   // 1월 1일 is a Friday
		2028: {"10-06"},                   // 추석 and 개천절 on one day give one substitute
		2030: {"09-16", "04-03", "06-12"}, // 2030 elections are not scheduled in the data
	}
	cal := KoreanCalendar()
	for y := 2020; y <= 2030; y++ {
		t.Run(fmt.Sprint(y), func(t *testing.T) {
			for _, s := range want[y] {
				md, tag, _ := strings.Cut(s, " ")
				d := MustDate(fmt.Sprintf("%d-%s", y, md))
				if !cal.IsHoliday(d) {
					t.Errorf("IsHoliday(%s) = false, want true", d)
					continue
				}
				if tag == "대체" && !strings.Contains(cal.HolidayName(d), "대체공휴일") {
					t.Errorf("HolidayName(%s) = %q, want a substitute holiday", d, cal.HolidayName(d))
				}
				if cal.IsBusinessDay(d) {
					t.Errorf("IsBusinessDay(%s) = true, want false", d)
				}
			}
			for _, md := range notHoliday[y] {
				d := MustDate(fmt.Sprintf("%d-%s", y, md))
				if cal.IsHoliday(d) {
					t.Errorf("IsHoliday(%s) = true (%q), want false", d, cal.HolidayName(d))
				}
			}
		})
	}
}

// TestKoreanCalendarSubstitutesFollowTheRules re-derives every substitute
// holiday of the shipped data from the other holidays and the rules in
// force each year (see holidays_kr.txt), and checks there are no others.
func TestKoreanCalendarSubstitutesFollowTheRules(t *testing.T) {
	hs, err := ParseHolidays(holidaysKR)
	if err != nil {
		t.Fatal(err)
	}
	base := map[Date][]string{}
	gotSubs := map[Date]bool{}
	for _, h := range hs {
		if strings.HasPrefix(h.Name, "대체공휴일") {
			gotSubs[h.Date] = true
			continue
		}
		base[h.Date] = append(base[h.Date], h.Name)
	}
	eligible := func(name string, d Date) (lunar, other bool) {
		y := d.Year
		switch {
		case strings.HasPrefix(name, "설날"), strings.HasPrefix(name, "추석"):
			return true, false
		case name == "어린이날":
			return false, true
		case name == "3·1절", name == "광복절", name == "개천절", name == "한글날":
			return false, y >= 2021
		case name == "부처님 오신 날", name == "기독탄신일":
			return false, d.Compare(MakeDate(2023, 5, 4)) >= 0
		case name == "제헌절":
			return false, y >= 2026
		case name == "노동절":
			return false, y >= 2027
		}
		return false, false
	}
	wantSubs := map[Date]bool{}
	taken := func(d Date) bool { return len(base[d]) > 0 || wantSubs[d] }
	for d := MakeDate(2020, 1, 1); d.Year <= 2030; d = d.AddDays(1) {
		names := base[d]
		trigger := false
		for _, n := range names {
			lunar, other := eligible(n, d)
			wd := d.Weekday()
			overlap := len(names) > 1
			if lunar && (wd == time.Sunday || overlap) || other && (wd == time.Saturday || wd == time.Sunday || overlap) {
				trigger = true
			}
		}
		if !trigger {
			continue
		}
		n := d.AddDays(1)
		for taken(n) || n.Weekday() == time.Saturday || n.Weekday() == time.Sunday {
			n = n.AddDays(1)
		}
		wantSubs[n] = true
	}
	if diff := cmp.Diff(wantSubs, gotSubs); diff != "" {
		t.Errorf("substitute holidays in holidays_kr.txt differ from the rules (-derived +shipped):\n%s", diff)
	}
}

func TestCalendarBusinessDays(t *testing.T) {
	cal := KoreanCalendar()
	tests := []struct {
		date string
		want bool
	}{
		{"2023-08-14", true},  // Monday
		{"2023-08-15", false}, // 광복절, Tuesday
		{"2023-08-19", false}, // Saturday
		{"2023-08-20", false}, // Sunday
		{"2023-09-27", true},  // the day before 추석 전날
		{"2023-09-28", false}, // 추석 전날
		{"2025-01-27", false}, // temporary holiday
		{"2031-01-01", true},  // not covered: weekends only (a Wednesday)
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			if got := cal.IsBusinessDay(MustDate(tt.date)); got != tt.want {
				t.Errorf("IsBusinessDay(%s) = %v, want %v", tt.date, got, tt.want)
			}
		})
	}
}

func TestCalendarWithHolidays(t *testing.T) {
	base := KoreanCalendar()
	d := MustDate("2026-05-04") // a Monday between 노동절 and 어린이날
	ext := base.WithHolidays(Holiday{Date: d, Name: "임시공휴일"}, Holiday{Date: MustDate("2031-01-01")})

	if !base.IsBusinessDay(d) {
		t.Fatalf("KoreanCalendar().IsBusinessDay(%s) = false before extension", d)
	}
	if ext.IsBusinessDay(d) || ext.HolidayName(d) != "임시공휴일" {
		t.Errorf("extended IsBusinessDay(%s), HolidayName = %v, %q; want false, 임시공휴일", d, ext.IsBusinessDay(d), ext.HolidayName(d))
	}
	if !base.IsBusinessDay(d) {
		t.Errorf("WithHolidays changed the receiver: IsBusinessDay(%s) = false", d)
	}
	if u := MustDate("2031-01-01"); ext.IsBusinessDay(u) || !ext.IsHoliday(u) || ext.HolidayName(u) != "" {
		t.Errorf("an unnamed holiday: IsBusinessDay, IsHoliday, HolidayName(%s) = %v, %v, %q; want false, true, \"\"", u, ext.IsBusinessDay(u), ext.IsHoliday(u), ext.HolidayName(u))
	}
	// Adding a known date keeps its name; adding a new name joins them.
	both := MustDate("2025-05-05")
	if got, want := base.HolidayName(both), "어린이날, 부처님 오신 날"; got != want {
		t.Errorf("HolidayName(%s) = %q, want %q", both, got, want)
	}
	if got, want := base.WithHolidays(Holiday{Date: both, Name: "어린이날"}).HolidayName(both), "어린이날, 부처님 오신 날"; got != want {
		t.Errorf("re-adding a name: HolidayName(%s) = %q, want %q", both, got, want)
	}
	var nilCal *Calendar
	if nilCal.IsBusinessDay(MustDate("2023-09-28")) {
		t.Errorf("(*Calendar)(nil).IsBusinessDay(2023-09-28) = true, want the Korean calendar's false")
	}
	if got := len(nilCal.WithHolidays().Holidays(2023)); got != len(base.Holidays(2023)) {
		t.Errorf("nil.WithHolidays().Holidays(2023) has %d holidays, want %d", got, len(base.Holidays(2023)))
	}
}

func TestCalendarHolidaysOfYear(t *testing.T) {
	got := KoreanCalendar().Holidays(2023)
	var dates []string
	for _, h := range got {
		dates = append(dates, h.Date.String())
	}
	want := []string{
		"2023-01-01", "2023-01-21", "2023-01-22", "2023-01-23", "2023-01-24", "2023-03-01",
		"2023-05-05", "2023-05-27", "2023-05-29", "2023-06-06", "2023-08-15", "2023-09-28",
		"2023-09-29", "2023-09-30", "2023-10-02", "2023-10-03", "2023-10-09", "2023-12-25",
	}
	if diff := cmp.Diff(want, dates); diff != "" {
		t.Errorf("Holidays(2023) dates (-want +got):\n%s", diff)
	}
}

func TestParseHolidays(t *testing.T) {
	in := "\uFEFF# extra days\n\n2025-10-10 임시공휴일\r\n  2026-05-04\n2026-05-04\t근로자 휴무  \n# 2099-01-01 commented out\n"
	got, err := ParseHolidays([]byte(in))
	if err != nil {
		t.Fatalf("ParseHolidays error: %v", err)
	}
	want := []Holiday{
		{MustDate("2025-10-10"), "임시공휴일"},
		{MustDate("2026-05-04"), ""},
		{MustDate("2026-05-04"), "근로자 휴무"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ParseHolidays (-want +got):\n%s", diff)
	}
	if got, err := ParseHolidays(nil); err != nil || len(got) != 0 {
		t.Errorf("ParseHolidays(nil) = %v, %v; want none, nil", got, err)
	}
}

func TestParseHolidaysErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		wantLine int
		wantMsg  string
	}{
		{"bad month", "# c\n2025-01-01 a\n2025-13-01 x\n", 3, `line 3: date "2025-13-01": want yyyy-MM-dd`},
		{"bad day", "2025-02-30\n", 1, `line 1: date "2025-02-30": want yyyy-MM-dd`},
		{"not a date", "\n\nholiday 2025-01-01\n", 3, `line 3: date "holiday": want yyyy-MM-dd`},
		{"short form", "2025-1-1 new year\n", 1, `line 1: date "2025-1-1": want yyyy-MM-dd`},
		{"slashes", "2025/01/01\n", 1, `line 1: date "2025/01/01": want yyyy-MM-dd`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseHolidays([]byte(tt.in))
			var le *HolidayLineError
			if !errors.As(err, &le) {
				t.Fatalf("ParseHolidays(%q) error = %v, want a *HolidayLineError", tt.in, err)
			}
			if le.Line != tt.wantLine {
				t.Errorf("ParseHolidays(%q) error line = %d, want %d", tt.in, le.Line, tt.wantLine)
			}
			// The message is what an operator reads; pin it once here.
			if err.Error() != tt.wantMsg {
				t.Errorf("ParseHolidays(%q) error = %q, want %q", tt.in, err.Error(), tt.wantMsg)
			}
		})
	}
}
