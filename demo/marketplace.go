package demo

import (
	"github.com/settle-dev/settle/transfer"
)

// The sample marketplace: six contracts, three discount share policies,
// three additional fee policies and eight partners the generator draws
// orders for (five businesses, three individuals), plus the scripted
// 나무가구공방 (scripted.go). Every name, number and address is invented; the business
// registration numbers start with 000, which no tax office issues, and the
// bank account numbers start with 000 too.

func i64(v int64) *int64 { return &v }

// Contract ids.
const (
	contractDaily108     = "ct-daily-108"
	contractWeeklyFri8   = "ct-weekly-fri-8"
	contractMonthlyFixed = "ct-monthly-fixed-500"
	contractDaily12VAT   = "ct-daily-12-vat"
	contractMonthEnd6    = "ct-monthly-eom-6"
	contractMonThu15     = "ct-weekly-monthu-15"
)

// Policy ids.
const (
	dspPlatform = "dsp-platform" // 0 % partner share
	dspShared   = "dsp-shared"   // 50 %
	dspPartner  = "dsp-partner"  // 100 %

	afpPG       = "afp-pg"       // 3.3 %, VAT borne by the partner
	afpShipping = "afp-shipping" // 2,500 won, VAT borne by the merchant
	afpAd       = "afp-ad"       // 2 %, VAT borne by the partner
)

func contracts() []transfer.CreateContractBody {
	daily := transfer.CycleMethodInput{Daily: &struct{}{}}
	weekly := func(days ...string) transfer.CycleMethodInput {
		return transfer.CycleMethodInput{Weekly: &transfer.WeeklyInput{DaysOfWeek: days}}
	}
	monthly := func(days ...int) transfer.CycleMethodInput {
		return transfer.CycleMethodInput{Monthly: &transfer.MonthlyInput{DaysOfMonth: days}}
	}
	return []transfer.CreateContractBody{
		{
			ID: contractDaily108, Name: "일정산 10.8%", Memo: "기본 계약: 정산일 D+2, 휴일이면 다음 영업일",
			PlatformFee:         transfer.FeeInput{FixedRate: i64(10_800)},
			SettlementCycle:     transfer.CycleInput{LagDays: 2, DatePolicy: "HOLIDAY_AFTER", Method: daily},
			PlatformFeeVatPayer: "PARTNER",
		},
		{
			ID: contractWeeklyFri8, Name: "주정산(금) 8% 부가세 플랫폼 부담", Memo: "D+3 이후 첫 금요일, 휴일이면 앞 영업일",
			PlatformFee:         transfer.FeeInput{FixedRate: i64(8_000)},
			SettlementCycle:     transfer.CycleInput{LagDays: 3, DatePolicy: "HOLIDAY_BEFORE", Method: weekly("FRI")},
			PlatformFeeVatPayer: "MERCHANT",
		},
		{
			ID: contractMonthlyFixed, Name: "월 2회(10·25일) 건당 500원", Memo: "D+5 이후 10일 또는 25일, 휴일이면 앞 영업일",
			PlatformFee:         transfer.FeeInput{FixedAmount: i64(500)},
			SettlementCycle:     transfer.CycleInput{LagDays: 5, DatePolicy: "HOLIDAY_BEFORE", Method: monthly(10, 25)},
			PlatformFeeVatPayer: "PARTNER",
		},
		{
			ID: contractDaily12VAT, Name: "일정산 12% 결제 부가세 차감", Memo: "결제 금액의 부가세를 정산에서 차감, D+1",
			PlatformFee:              transfer.FeeInput{FixedRate: i64(12_000)},
			SettlementCycle:          transfer.CycleInput{LagDays: 1, DatePolicy: "HOLIDAY_AFTER", Method: daily},
			PlatformFeeVatPayer:      "PARTNER",
			SubtractPaymentVatAmount: true,
		},
		{
			ID: contractMonthEnd6, Name: "월말정산 6%", Memo: "D+2 이후 말일, 휴일이면 다음 영업일",
			PlatformFee:         transfer.FeeInput{FixedRate: i64(6_000)},
			SettlementCycle:     transfer.CycleInput{LagDays: 2, DatePolicy: "HOLIDAY_AFTER", Method: monthly(31)},
			PlatformFeeVatPayer: "PARTNER",
		},
		{
			ID: contractMonThu15, Name: "주 2회(월·목) 15% 부가세 플랫폼 부담", Memo: "D+2 이후 월·목요일, 휴일도 그대로",
			PlatformFee:         transfer.FeeInput{FixedRate: i64(15_000)},
			SettlementCycle:     transfer.CycleInput{LagDays: 2, DatePolicy: "CALENDAR_DAY", Method: weekly("MON", "THU")},
			PlatformFeeVatPayer: "MERCHANT",
		},
	}
}

func discountSharePolicies() []transfer.CreateDiscountSharePolicyBody {
	return []transfer.CreateDiscountSharePolicyBody{
		{ID: dspPlatform, Name: "플랫폼 쿠폰 (플랫폼 전액 부담)", PartnerShareRate: 0},
		{ID: dspShared, Name: "공동 프로모션 (반반 부담)", PartnerShareRate: 50_000},
		{ID: dspPartner, Name: "판매자 할인 (판매자 전액 부담)", PartnerShareRate: 100_000},
	}
}

func additionalFeePolicies() []transfer.CreateAdditionalFeePolicyBody {
	return []transfer.CreateAdditionalFeePolicyBody{
		{ID: afpPG, Name: "PG 결제 수수료 3.3%", Fee: transfer.FeeInput{FixedRate: i64(3_300)}, VatPayer: "PARTNER"},
		{ID: afpShipping, Name: "배송 대행료 2,500원", Fee: transfer.FeeInput{FixedAmount: i64(2_500)}, VatPayer: "MERCHANT"},
		{ID: afpAd, Name: "광고 수수료 2%", Fee: transfer.FeeInput{FixedRate: i64(2_000)}, VatPayer: "PARTNER"},
	}
}

// product is one item of a seller's catalogue: unit price and the tax-free
// part of it (books and fresh food are exempt from VAT in Korea).
type product struct {
	id, name, tag  string
	price, taxFree int64
}

// seller is a partner and how it sells: what share of its orders come as
// order lines, its catalogue, the range of its amount orders, and how often
// each discount and fee appears.
type seller struct {
	partner transfer.CreatePartnerBody
	weight  int // share of the marketplace's orders

	linePct  int // share of orders sent with orderLines
	maxQty   int64
	products []product

	amountLo, amountHi int64  // amount orders: the range of orderAmount
	amountTaxFreePct   [2]int // amount orders: tax-free share, percent, lo..hi
	amountName         string // amount orders: the order name

	lineDiscountPct, orderDiscountPct int
	pgPct, shipPct                    int // order-level fees
	adLinePct, adOrderPct             int
}

func business(company, brn, rep, taxation, address, bizType, bizClass string) transfer.PartnerTypeInput {
	return transfer.PartnerTypeInput{Business: &transfer.BusinessInput{
		CompanyName: company, BusinessRegistrationNumber: brn, RepresentativeName: rep,
		TaxationType: taxation, CompanyAddress: address, BusinessType: bizType, BusinessClass: bizClass,
	}}
}

func sellers() []*seller {
	return []*seller{
		{
			partner: transfer.CreatePartnerBody{
				ID: "p-hanbit", Name: "한빛패션",
				Contact:           transfer.ContactInput{Name: "김한빛", Email: "settle@hanbit-fashion.example.com", PhoneNumber: "010-0000-1001"},
				Account:           transfer.AccountInput{Bank: "KOOKMIN", Currency: "KRW", Number: "000101-00-100001", Holder: "(주)한빛패션"},
				DefaultContractID: contractDaily108, Tags: []string{"패션", "사업자"}, Memo: "의류·잡화",
				Type: business("(주)한빛패션", "0008100001", "김한빛", "NORMAL", "서울특별시 성동구 성수이로 00", "도소매", "의류"),
			},
			weight: 20, linePct: 85, maxQty: 3,
			products: []product{
				{"HB-TEE-01", "오버핏 반팔 티셔츠", "의류", 19_900, 0},
				{"HB-DENIM-02", "데님 와이드 팬츠", "의류", 45_900, 0},
				{"HB-KNIT-03", "니트 가디건", "의류", 38_700, 0},
				{"HB-SNKR-04", "캔버스 스니커즈", "신발", 52_900, 0},
				{"HB-SOCK-05", "양말 3종 세트", "잡화", 9_990, 0},
				{"HB-CAP-06", "볼캡", "잡화", 17_450, 0},
			},
			amountLo: 15_000, amountHi: 180_000, amountName: "한빛패션 주문",
			lineDiscountPct: 30, orderDiscountPct: 25, pgPct: 80, shipPct: 40, adLinePct: 20,
		},
		{
			partner: transfer.CreatePartnerBody{
				ID: "p-chorok", Name: "초록식탁",
				Contact:           transfer.ContactInput{Name: "이초록", Email: "account@chorok-table.example.com", PhoneNumber: "010-0000-1002"},
				Account:           transfer.AccountInput{Bank: "NONGHYUP", Currency: "KRW", Number: "000-0102-0002-01", Holder: "초록식탁"},
				DefaultContractID: contractMonthEnd6, Tags: []string{"식품", "사업자", "면세포함"}, Memo: "신선식품(면세)과 가공식품(과세)",
				Type: business("초록식탁", "0008100002", "이초록", "NORMAL", "경기도 이천시 농장로 00", "도소매", "농산물"),
			},
			weight: 14, linePct: 75, maxQty: 4,
			products: []product{
				{"CR-APPLE-3KG", "유기농 사과 3kg", "신선", 27_900, 27_900},
				{"CR-TANGERINE-5KG", "제주 감귤 5kg", "신선", 23_450, 23_450},
				{"CR-BEEF-600", "한우 불고기 600g", "신선", 35_800, 35_800},
				{"CR-GRANOLA", "수제 그래놀라", "가공", 12_800, 0},
				{"CR-GIFTSET", "추석 과일·잼 선물세트", "선물", 59_000, 41_000},
				{"CR-KIMCHI-2KG", "포기김치 2kg", "신선", 21_333, 21_333},
			},
			amountLo: 12_000, amountHi: 150_000, amountTaxFreePct: [2]int{40, 100}, amountName: "초록식탁 장보기",
			lineDiscountPct: 20, orderDiscountPct: 30, pgPct: 70, shipPct: 50,
		},
		{
			partner: transfer.CreatePartnerBody{
				ID: "p-seoul-books", Name: "서울책방",
				Contact:           transfer.ContactInput{Name: "박서울", Email: "books@seoul-books.example.com"},
				Account:           transfer.AccountInput{Bank: "SHINHAN", Currency: "KRW", Number: "000-103-000003", Holder: "서울책방"},
				DefaultContractID: contractWeeklyFri8, Tags: []string{"도서", "사업자", "면세"}, Memo: "도서(면세)와 문구",
				Type: business("서울책방", "0008100003", "박서울", "TAX_FREE", "서울특별시 마포구 책방길 00", "소매", "서적"),
			},
			weight: 12, linePct: 90, maxQty: 3,
			products: []product{
				{"SB-NOVEL-101", "장편소설 『가을의 끝』", "도서", 14_220, 14_220},
				{"SB-ESSAY-102", "에세이 『느린 하루』", "도서", 13_500, 13_500},
				{"SB-PICTURE-103", "그림책 『달과 토끼』", "도서", 16_650, 16_650},
				{"SB-WORKBOOK-104", "수능 문제집", "도서", 18_900, 18_900},
				{"SB-COVER-105", "북커버 (문구)", "문구", 8_910, 0},
			},
			amountLo: 10_000, amountHi: 80_000, amountTaxFreePct: [2]int{100, 100}, amountName: "서울책방 도서 주문",
			lineDiscountPct: 35, orderDiscountPct: 15, pgPct: 60, shipPct: 30,
		},
		{
			partner: transfer.CreatePartnerBody{
				ID: "p-dongne-bakery", Name: "동네빵집",
				Contact:           transfer.ContactInput{Name: "최동네", Email: "bread@dongne-bakery.example.com", PhoneNumber: "010-0000-1004"},
				Account:           transfer.AccountInput{Bank: "WOORI", Currency: "KRW", Number: "0001-004-000004", Holder: "최동네"},
				DefaultContractID: contractMonthlyFixed, Tags: []string{"베이커리", "사업자"},
				Type: business("동네빵집", "0008100004", "최동네", "NORMAL", "", "제조", "제과점"),
			},
			weight: 10, linePct: 50, maxQty: 5,
			products: []product{
				{"DB-SALTBREAD-6", "소금빵 6개입", "빵", 15_600, 0},
				{"DB-BAGUETTE", "바게트", "빵", 4_300, 0},
				{"DB-CAKE", "생크림 케이크", "케이크", 33_333, 0},
				{"DB-COOKIE", "쿠키 박스", "과자", 11_111, 0},
			},
			amountLo: 4_000, amountHi: 60_000, amountName: "동네빵집 픽업 주문",
			lineDiscountPct: 15, orderDiscountPct: 15, pgPct: 50,
		},
		{
			partner: transfer.CreatePartnerBody{
				ID: "p-techmall", Name: "테크몰",
				Contact:           transfer.ContactInput{Name: "정테크", Email: "finance@techmall.example.com", PhoneNumber: "010-0000-1005"},
				Account:           transfer.AccountInput{Bank: "HANA", Currency: "KRW", Number: "000-910005-00005", Holder: "(주)테크몰"},
				DefaultContractID: contractDaily12VAT, Tags: []string{"전자", "사업자"},
				Type: business("(주)테크몰", "0008100005", "정테크", "NORMAL", "경기도 성남시 분당구 판교로 00", "도소매", "전자제품"),
			},
			weight: 16, linePct: 85, maxQty: 2,
			products: []product{
				{"TM-EARBUDS", "무선 이어폰", "음향", 89_000, 0},
				{"TM-POWERBANK", "보조배터리 10000mAh", "액세서리", 32_990, 0},
				{"TM-STRAP", "스마트워치 스트랩", "액세서리", 17_777, 0},
				{"TM-CABLE-2P", "USB-C 케이블 2팩", "액세서리", 12_345, 0},
				{"TM-KEYBOARD", "블루투스 키보드", "주변기기", 64_900, 0},
			},
			amountLo: 10_000, amountHi: 400_000, amountName: "테크몰 주문",
			lineDiscountPct: 25, orderDiscountPct: 20, pgPct: 90, shipPct: 20, adOrderPct: 30,
		},
		{
			partner: transfer.CreatePartnerBody{
				ID: "p-kim-craft", Name: "김수공 공방",
				Contact:           transfer.ContactInput{Name: "김수공", Email: "kim.craft@example.com", PhoneNumber: "010-0000-1006"},
				Account:           transfer.AccountInput{Bank: "KAKAO", Currency: "KRW", Number: "0000-06-0000006", Holder: "김수공"},
				DefaultContractID: contractMonThu15, Tags: []string{"공예", "개인", "원천징수"},
				Type: transfer.PartnerTypeInput{WhtPayer: &transfer.IndividualInput{Birthdate: "1990-05-17"}},
			},
			weight: 10, linePct: 60, maxQty: 3,
			products: []product{
				{"KC-MUG", "도자기 머그", "도자기", 27_000, 0},
				{"KC-CARDWALLET", "가죽 카드지갑", "가죽", 33_000, 0},
				{"KC-SOAP-3", "천연 비누 3종", "생활", 14_700, 0},
			},
			amountLo: 20_000, amountHi: 120_000, amountName: "주문 제작",
			lineDiscountPct: 10, orderDiscountPct: 10, pgPct: 60, shipPct: 30,
		},
		{
			partner: transfer.CreatePartnerBody{
				ID: "p-lee-photo", Name: "이사진 스튜디오",
				Contact:           transfer.ContactInput{Name: "이사진", Email: "lee.photo@example.com"},
				Account:           transfer.AccountInput{Bank: "TOSS", Currency: "KRW", Number: "0000-0007-0007", Holder: "이사진"},
				DefaultContractID: contractWeeklyFri8, Tags: []string{"서비스", "개인"},
				Type: transfer.PartnerTypeInput{NonWhtPayer: &transfer.IndividualInput{}},
			},
			weight: 6, linePct: 0,
			amountLo: 55_000, amountHi: 330_000, amountName: "프로필 촬영 예약",
			orderDiscountPct: 20, pgPct: 80,
		},
		{
			partner: transfer.CreatePartnerBody{
				ID: "p-park-illust", Name: "박그림",
				Contact:           transfer.ContactInput{Name: "박그림", Email: "park.illust@example.com", PhoneNumber: "010-0000-1008"},
				Account:           transfer.AccountInput{Bank: "IBK", Currency: "KRW", Number: "000-000008-00-008", Holder: "박그림"},
				DefaultContractID: contractDaily108, Tags: []string{"일러스트", "개인", "원천징수"},
				Type: transfer.PartnerTypeInput{WhtPayer: &transfer.IndividualInput{Birthdate: "1995-11-02"}},
			},
			weight: 12, linePct: 30, maxQty: 4,
			products: []product{
				{"PI-PRINT-A4", "아트 프린트 A4", "프린트", 9_900, 0},
				{"PI-STICKER", "스티커 세트", "굿즈", 4_500, 0},
				{"PI-POSTCARD-5", "엽서 5종", "굿즈", 6_750, 0},
			},
			amountLo: 30_000, amountHi: 250_000, amountName: "일러스트 커미션",
			lineDiscountPct: 10, orderDiscountPct: 15, pgPct: 70, adOrderPct: 25,
		},
	}
}
