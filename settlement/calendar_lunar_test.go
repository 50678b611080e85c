package settlement

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// An independent check of the lunar holidays in holidays_kr.txt: it
// recomputes them from astronomy instead of from another table.
//
// The Korean lunisolar calendar starts each month on the day (at UTC+9) of a
// new moon. A month is numbered by the principal solar term (中氣) it
// contains: month 1 contains 우수 (the sun at 330°), month 4 소만 (60°),
// month 8 추분 (180°). So
//
//	설날          = the last new-moon day on or before 우수
//	부처님 오신 날 = the last new-moon day on or before 소만, + 7 days
//	추석          = the last new-moon day on or before 추분, + 14 days
//
// New moons come from Meeus, Astronomical Algorithms (2nd ed.), ch. 49, with
// the main periodic terms but not the planetary ones (error about a minute), and the sun's
// longitude from ch. 25's low-precision formula (about 0.01°, i.e. 15
// minutes of time). The test reports how close each new moon is to
// midnight; a date is only trusted if the margin beats the error.

// newMoonJDE is the Julian Ephemeris Day of lunation k (k = 0 is the new
// moon of 2000-01-06).
func newMoonJDE(k float64) float64 {
	T := k / 1236.85
	jde := 2451550.09766 + 29.530588861*k + 0.00015437*T*T - 0.000000150*T*T*T + 0.00000000073*T*T*T*T
	E := 1 - 0.002516*T - 0.0000074*T*T
	rad := func(deg float64) float64 { return math.Mod(deg, 360) * math.Pi / 180 }
	M := rad(2.5534 + 29.10535670*k - 0.0000014*T*T - 0.00000011*T*T*T)
	Mp := rad(201.5643 + 385.81693528*k + 0.0107582*T*T + 0.00001238*T*T*T - 0.000000058*T*T*T*T)
	F := rad(160.7108 + 390.67050284*k - 0.0016118*T*T - 0.00000227*T*T*T + 0.000000011*T*T*T*T)
	O := rad(124.7746 - 1.56375588*k + 0.0020672*T*T + 0.00000215*T*T*T)
	s := math.Sin
	corr := -0.40720*s(Mp) +
		0.17241*E*s(M) +
		0.01608*s(2*Mp) +
		0.01039*s(2*F) +
		0.00739*E*s(Mp-M) -
		0.00514*E*s(Mp+M) +
		0.00208*E*E*s(2*M) -
		0.00111*s(Mp-2*F) -
		0.00057*s(Mp+2*F) +
		0.00056*E*s(2*Mp+M) -
		0.00042*s(3*Mp) +
		0.00042*E*s(M+2*F) +
		0.00038*E*s(M-2*F) -
		0.00024*E*s(2*Mp-M) -
		0.00017*s(O) -
		0.00007*s(Mp+2*M) +
		0.00004*s(2*Mp-2*F) +
		0.00004*s(3*M) +
		0.00003*s(Mp+M-2*F) +
		0.00003*s(2*Mp+2*F) -
		0.00003*s(Mp+M+2*F) +
		0.00003*s(Mp-M+2*F) -
		0.00002*s(Mp-M-2*F) -
		0.00002*s(3*Mp+M) +
		0.00002*s(4*Mp)
	return jde + corr
}

// sunLongitude is the sun's apparent longitude in degrees [0, 360) at JD jd.
func sunLongitude(jd float64) float64 {
	T := (jd - 2451545.0) / 36525
	rad := math.Pi / 180
	L0 := 280.46646 + 36000.76983*T + 0.0003032*T*T
	M := (357.52911 + 35999.05029*T - 0.0001537*T*T) * rad
	C := (1.914602-0.004817*T-0.000014*T*T)*math.Sin(M) + (0.019993-0.000101*T)*math.Sin(2*M) + 0.000289*math.Sin(3*M)
	omega := (125.04 - 1934.136*T) * rad
	lon := L0 + C - 0.00569 - 0.00478*math.Sin(omega)
	return math.Mod(math.Mod(lon, 360)+360, 360)
}

const (
	jdUnixEpoch = 2440587.5
	deltaT      = 70.0 / 86400 // TT − UT in the 2020s, in days
)

var kst = time.FixedZone("KST", 9*3600)

func jdToTime(jd float64) time.Time {
	return time.Unix(0, 0).UTC().Add(time.Duration((jd - jdUnixEpoch) * 86400 * float64(time.Second)))
}

func kstMidnightJD(d Date) float64 {
	return float64(d.Time(kst).Unix())/86400 + jdUnixEpoch
}

// newMoons returns the new moons (in KST) of year y and a little around it.
func newMoons(y int) []time.Time {
	var ts []time.Time
	k0 := math.Floor((float64(y) - 2000 - 0.1) * 12.3685)
	for k := k0; k <= k0+15; k++ {
		ts = append(ts, jdToTime(newMoonJDE(k)-deltaT).In(kst))
	}
	return ts
}

// fromMidnight is how far t is from the nearest KST midnight.
func fromMidnight(t time.Time) time.Duration {
	since := t.Sub(DateOf(t, kst).Time(kst))
	return min(since, 24*time.Hour-since)
}

// termDay is the KST date on which the sun reaches longitude target, searched
// from around.
func termDay(around Date, target float64) Date {
	for i := -20; i <= 20; i++ {
		d := around.AddDays(i)
		a, b := sunLongitude(kstMidnightJD(d)), sunLongitude(kstMidnightJD(d.AddDays(1)))
		if b < a { // wrapped through 0°
			b += 360
		}
		if a < target && target <= b || a < target+360 && target+360 <= b {
			return d
		}
	}
	panic(fmt.Sprintf("no solar term %v° near %s", target, around))
}

// monthStart is the KST day of the last new moon on or before day, and the
// margin that decides it: how far that new moon, and the next one, are from
// a KST midnight.
func monthStart(moons []time.Time, day Date) (Date, time.Duration) {
	for i := len(moons) - 1; i > 0; i-- {
		if d := DateOf(moons[i], kst); !d.After(day) {
			m := fromMidnight(moons[i])
			if i+1 < len(moons) {
				m = min(m, fromMidnight(moons[i+1]))
			}
			return d, m
		}
	}
	panic(fmt.Sprintf("no new moon before %s", day))
}

func TestLunarHolidaysAgreeWithAstronomy(t *testing.T) {
	// Known values first, so a broken algorithm cannot pass by accident:
	// Meeus example 49.a, the new moon of 1977-02-18 03:37:42 TD. The
	// example also applies the planetary "additional corrections" (−0.00068
	// days there, never much more than a minute), which newMoonJDE leaves
	// out; the tolerance is one and a half minutes.
	if got, want := newMoonJDE(-283), 2443192.65118; math.Abs(got-want) > 0.001 {
		t.Fatalf("newMoonJDE(-283) = %.5f, want %.5f", got, want)
	}
	// Meeus example 25.a: the sun's apparent longitude on 1992-10-13 0h TD is 199.90895°.
	if got := sunLongitude(2448908.5); math.Abs(got-199.909) > 0.01 {
		t.Fatalf("sunLongitude(1992-10-13) = %.4f, want 199.909", got)
	}

	cal := KoreanCalendar()
	for _, y := range lunarBlocks {
		t.Run(fmt.Sprint(y.year), func(t *testing.T) {
			moons := newMoons(y.year)
			s1, m1 := monthStart(moons, termDay(MakeDate(y.year, 2, 19), 330)) // 우수
			s4, m4 := monthStart(moons, termDay(MakeDate(y.year, 5, 21), 60))  // 소만
			s8, m8 := monthStart(moons, termDay(MakeDate(y.year, 9, 23), 180)) // 추분
			got := []struct {
				name      string
				want, got Date
				margin    time.Duration
			}{
				{"설날", s1, MustDate(y.seollal), m1},
				{"부처님 오신 날", s4.AddDays(7), MustDate(y.buddha), m4},
				{"추석", s8.AddDays(14), MustDate(y.chuseok), m8},
			}
			for _, g := range got {
				if g.margin < 5*time.Minute {
					t.Logf("%s %d: a deciding new moon is %v from midnight KST, closer than this algorithm resolves; not checked", g.name, y.year, g.margin.Round(time.Second))
					continue
				}
				t.Logf("%s %d = %s (deciding new moons at least %v from midnight KST)", g.name, y.year, g.want, g.margin.Round(time.Minute))
				if g.got != g.want {
					t.Errorf("%s %d: table says %s, astronomy says %s", g.name, y.year, g.got, g.want)
				}
				if !cal.IsHoliday(g.want) {
					t.Errorf("%s %d: KoreanCalendar().IsHoliday(%s) = false", g.name, y.year, g.want)
				}
			}
		})
	}
}
