#include "libskr/encoding/der.h"

#include <gtest/gtest.h>

#include <map>

#include "libskr/encoding/encoding.h"
#include "libskr/testing/shared_samples.h"
#include "libskr/x509/certificate.h"

namespace skr::der {
namespace {

std::string Hex(ByteView b) { return encoding::HexEncode(b); }
Bytes FromHex(std::string_view h) { return *encoding::HexDecode(h); }

TEST(DerWriter, IntegersAreMinimal) {
  EXPECT_EQ(Hex(Integer(0)), "020100");
  EXPECT_EQ(Hex(Integer(0x73)), "020173");
  // evidence-formats.md 1.6: ucodeSPL >= 0x80 gets a sign byte.
  EXPECT_EQ(Hex(Integer(0xDB)), "020200db");
  EXPECT_EQ(Hex(Integer(0x10000)), "0203010000");
  EXPECT_EQ(Hex(Integer(UINT64_MAX)), "020900ffffffffffffffff");
  EXPECT_EQ(Hex(IntegerFromMagnitude(FromHex("0000c0dec0de"))), "020500c0dec0de");
  EXPECT_EQ(Hex(IntegerFromMagnitude({})), "020100");
  EXPECT_EQ(Hex(Enumerated(1)), "0a0101");
}

TEST(DerWriter, StringsBooleansAndLengths) {
  EXPECT_EQ(Hex(Ia5String("Genoa")), "160547656e6f61");
  EXPECT_EQ(Hex(Utf8String("A")), "0c0141");
  EXPECT_EQ(Hex(Boolean(true)), "0101ff");
  EXPECT_EQ(Hex(Boolean(false)), "010100");
  EXPECT_EQ(Hex(Null()), "0500");
  Bytes b127(127, 0xAA), b128(128, 0xAA), b256(256, 0xAA);
  EXPECT_EQ(Hex(OctetString(b127)).substr(0, 4), "047f");
  EXPECT_EQ(Hex(OctetString(b128)).substr(0, 6), "048180");
  EXPECT_EQ(Hex(OctetString(b256)).substr(0, 8), "04820100");
  Bytes a = Integer(1), b = Boolean(true);
  std::vector<Bytes> elems = {a, b};
  EXPECT_EQ(Hex(Sequence(elems)), "30060201010101ff");
}

TEST(DerWriter, Oids) {
  EXPECT_EQ(Hex(*Oid("1.2.840.113741.1.13.1")), "06092a864886f84d010d01");
  EXPECT_EQ(Hex(*Oid("1.3.6.1.4.1.3704.1.3.8")), "060a2b060104019c78010308");
  EXPECT_EQ(Hex(*Oid("2.5.29.19")), "0603551d13");
  EXPECT_EQ(Hex(*Oid("2.999.3")), "0603883703");
  for (const char* bad : {"", "1", "3.1", "1.40", "1..2", "1.2.", "01.2", "1.2.x", "1.2.-3"}) {
    EXPECT_FALSE(Oid(bad).ok()) << bad;
  }
}

TEST(DerReader, RoundTripsPckLikeStructure) {
  // SEQUENCE { SEQUENCE { OID, OCTET STRING }, SEQUENCE { OID, SEQUENCE { SEQUENCE {OID,
  // INTEGER}}},
  //            SEQUENCE { OID, ENUMERATED }, SEQUENCE { OID, BOOLEAN } }
  std::vector<Bytes> ppid = {*Oid("1.2.840.113741.1.13.1.1"), OctetString(Bytes(16, 0x11))};
  std::vector<Bytes> comp = {*Oid("1.2.840.113741.1.13.1.2.1"), Integer(300)};
  std::vector<Bytes> comps = {Sequence(comp)};
  std::vector<Bytes> tcb = {*Oid("1.2.840.113741.1.13.1.2"), Sequence(comps)};
  std::vector<Bytes> type = {*Oid("1.2.840.113741.1.13.1.6"), Enumerated(1)};
  std::vector<Bytes> flag = {*Oid("1.2.840.113741.1.13.1.7.1"), Boolean(true)};
  std::vector<Bytes> top = {Sequence(ppid), Sequence(tcb), Sequence(type), Sequence(flag)};
  Bytes der = Sequence(top);

  Reader outer(der, "PCK extension");
  auto r = outer.Enter(kSequence, "SgxExtensions");
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  ASSERT_TRUE(outer.ExpectDone("SgxExtensions").ok());

  auto e1 = r->Enter(kSequence, "PPID entry");
  ASSERT_TRUE(e1.ok());
  EXPECT_EQ(*e1->ReadOid("PPID oid"), "1.2.840.113741.1.13.1.1");
  EXPECT_EQ(ToBytes(*e1->ReadOctetString("PPID")), Bytes(16, 0x11));
  EXPECT_TRUE(e1->done());

  auto e2 = r->Enter(kSequence, "TCB entry");
  ASSERT_TRUE(e2.ok());
  EXPECT_EQ(*e2->ReadOid("TCB oid"), "1.2.840.113741.1.13.1.2");
  auto tcbs = e2->Enter(kSequence, "TCB");
  ASSERT_TRUE(tcbs.ok());
  auto c = tcbs->Enter(kSequence, "comp");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c->ReadOid("comp oid"), "1.2.840.113741.1.13.1.2.1");
  EXPECT_EQ(*c->ReadInteger("comp svn"), 300u);

  auto e3 = r->Enter(kSequence, "type entry");
  ASSERT_TRUE(e3.ok());
  EXPECT_EQ(*e3->ReadOid("oid"), "1.2.840.113741.1.13.1.6");
  EXPECT_EQ(*e3->ReadEnumerated("SGX type"), 1u);
  auto e4 = r->Enter(kSequence, "flag entry");
  ASSERT_TRUE(e4.ok());
  EXPECT_EQ(*e4->ReadOid("oid"), "1.2.840.113741.1.13.1.7.1");
  EXPECT_TRUE(*e4->ReadBoolean("dynamicPlatform"));
  EXPECT_TRUE(r->done());
  EXPECT_FALSE(r->Next("past end").ok());
}

// The SGX extension (1.2.840.113741.1.13.1) of the real PCK certificate in a TD quote: a SEQUENCE
// of SEQUENCE{OID, value}, the TCB entry nesting 18 more SEQUENCE{OID, INTEGER / OCTET STRING}.
TEST(DerReader, WalksRealSgxPckExtension) {
  SKR_SHARED_FILE_OR_SKIP(quote, "evidence-samples/trustee/az-tdx-vtpm/td-quote.bin");
  std::string text = AsString(testing::ReadBytesOrDie(quote));
  size_t at = text.find("-----BEGIN CERTIFICATE-----");
  ASSERT_NE(at, std::string::npos);
  auto chain = x509::CertificatesFromPem(std::string_view(text).substr(at));
  ASSERT_TRUE(chain.ok());
  auto ext = (*chain)[0].ExtensionValue("1.2.840.113741.1.13.1");
  ASSERT_TRUE(ext.has_value());
  Reader outer(*ext, "SGX extension");
  auto top = outer.Enter(kSequence, "SgxExtensions");
  ASSERT_TRUE(top.ok()) << top.error().ToString();
  ASSERT_TRUE(outer.ExpectDone("SgxExtensions").ok());
  std::map<std::string, Element> entries;
  while (!top->done()) {
    auto entry = top->Enter(kSequence, "entry");
    ASSERT_TRUE(entry.ok()) << entry.error().ToString();
    auto oid = entry->ReadOid("entry.oid");
    ASSERT_TRUE(oid.ok()) << oid.error().ToString();
    auto value = entry->Next("entry.value");
    ASSERT_TRUE(value.ok());
    ASSERT_TRUE(entry->ExpectDone("entry").ok());
    entries[*oid] = *value;
  }
  const std::string sgx = "1.2.840.113741.1.13.1";
  ASSERT_TRUE(entries.count(sgx + ".1"));  // PPID
  EXPECT_EQ(entries[sgx + ".1"].tag, kOctetString);
  EXPECT_EQ(entries[sgx + ".1"].content.size(), 16u);
  EXPECT_EQ(entries[sgx + ".3"].content.size(), 2u);  // PCE-ID
  EXPECT_EQ(entries[sgx + ".4"].content.size(), 6u);  // FMSPC
  ASSERT_TRUE(entries.count(sgx + ".5"));             // SGX type
  EXPECT_EQ(entries[sgx + ".5"].tag, kEnumerated);
  auto type = DecodeInteger(entries[sgx + ".5"], "SGX extension", "SGX type");
  ASSERT_TRUE(type.ok());
  EXPECT_LE(*type, 2u);
  // TCB: 16 component SVNs, PCESVN, CPUSVN.
  ASSERT_EQ(entries[sgx + ".2"].tag, kSequence);
  Reader tcb = ContentReader(entries[sgx + ".2"], "TCB");
  int components = 0;
  while (!tcb.done()) {
    auto c = tcb.Enter(kSequence, "tcb entry");
    ASSERT_TRUE(c.ok());
    auto oid = c->ReadOid("tcb oid");
    ASSERT_TRUE(oid.ok());
    if (*oid == sgx + ".2.18") {
      EXPECT_EQ(c->ReadOctetString("CPUSVN")->size(), 16u);
    } else {
      auto svn = c->ReadInteger("svn");
      ASSERT_TRUE(svn.ok()) << svn.error().ToString();
      EXPECT_LE(*svn, 65535u);
    }
    ++components;
  }
  EXPECT_EQ(components, 18);
}

TEST(DerReader, OffsetsInNestedErrors) {
  // SEQUENCE { INTEGER 1, OCTET STRING } but we expect a BOOLEAN second.
  std::vector<Bytes> elems = {Integer(1), OctetString(Bytes{1, 2})};
  Bytes der = Sequence(elems);
  Reader outer(der, "Test");
  auto inner = outer.Enter(kSequence, "outer");
  ASSERT_TRUE(inner.ok());
  EXPECT_EQ(inner->offset(), 2u);
  EXPECT_TRUE(inner->NextIs(kInteger));
  EXPECT_FALSE(inner->NextIs(kBoolean));
  auto peeked = inner->Peek("first");
  ASSERT_TRUE(peeked.ok());
  EXPECT_EQ(peeked->offset, 2u);
  EXPECT_EQ(peeked->content_offset, 4u);
  EXPECT_EQ(*DecodeInteger(*peeked, "Test", "first"), 1u);
  ASSERT_TRUE(inner->ReadInteger("first").ok());  // Peek did not consume
  auto octets = inner->Peek("bytes");
  ASSERT_TRUE(octets.ok());
  Reader sub = ContentReader(*octets, "bytes");
  EXPECT_EQ(sub.offset(), 7u);
  auto b = inner->ReadBoolean("flag");
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(b.error().message().find("field flag at 0x5"), std::string::npos)
      << b.error().message();
  EXPECT_NE(b.error().message().find("expected tag 0x01, found 0x04"), std::string::npos)
      << b.error().message();
  // A failed Expect does not consume.
  EXPECT_TRUE(inner->ReadOctetString("bytes").ok());
}

TEST(DerReader, LongFormLengths) {
  Bytes big(300, 0x5A);
  Bytes der = OctetString(big);
  Reader r(der);
  auto v = r.ReadOctetString("blob");
  ASSERT_TRUE(v.ok()) << v.error().ToString();
  EXPECT_EQ(v->size(), 300u);
  EXPECT_TRUE(r.done());
}

struct BadCase {
  const char* hex;
  const char* needle;
};

TEST(DerReader, RejectsMalformedTlvs) {
  const BadCase cases[] = {
      {"", "end of data"},
      {"04", "no length octet"},
      {"0481", "truncated length"},
      {"048201", "truncated length"},
      {"0403aabb", "runs past the end"},
      {"0480aabb0000", "indefinite length"},
      {"04817f", "non-minimal length"},
      {"0482007f", "non-minimal length"},
      {"1f0100", "high tag number"},
      {"04890102030405060708090a", "too large"},
  };
  for (const auto& c : cases) {
    Bytes der = FromHex(c.hex);
    Reader r(der, "Case");
    auto t = r.Next("x");
    ASSERT_FALSE(t.ok()) << c.hex;
    EXPECT_EQ(t.error().code(), ErrorCode::kMalformed);
    EXPECT_NE(t.error().message().find(c.needle), std::string::npos)
        << c.hex << ": " << t.error().message();
  }
}

TEST(DerReader, RejectsBadIntegers) {
  const BadCase cases[] = {
      {"0200", "empty"},
      {"02020001", "non-minimal"},
      {"0202ff80", "non-minimal"},
      {"0201ff", "negative"},
      {"020180", "negative"},
      {"0209010000000000000000", "does not fit"},
      {"040100", "expected tag 0x02"},
  };
  for (const auto& c : cases) {
    Bytes der = FromHex(c.hex);
    Reader r(der, "Case");
    auto v = r.ReadInteger("n");
    ASSERT_FALSE(v.ok()) << c.hex;
    EXPECT_NE(v.error().message().find(c.needle), std::string::npos)
        << c.hex << ": " << v.error().message();
  }
  Bytes ok = FromHex("020900ffffffffffffffff");
  Reader r(ok);
  EXPECT_EQ(*r.ReadInteger("max"), UINT64_MAX);
}

TEST(DerReader, RejectsBadOidsBooleansAndTrailing) {
  for (const char* h : {"0600", "0602802a", "06022a86"}) {
    Bytes der = FromHex(h);
    Reader r(der);
    EXPECT_FALSE(r.ReadOid("oid").ok()) << h;
  }
  for (const char* h : {"010101", "01020000", "0100"}) {
    Bytes der = FromHex(h);
    Reader r(der);
    EXPECT_FALSE(r.ReadBoolean("b").ok()) << h;
  }
  Bytes non_ascii = FromHex("160180");
  Reader ia5(non_ascii);
  EXPECT_FALSE(ia5.ReadIa5String("s").ok());
  Bytes trailing = FromHex("02010100");
  Reader t(trailing);
  ASSERT_TRUE(t.ReadInteger("n").ok());
  auto done = t.ExpectDone("value");
  ASSERT_FALSE(done.ok());
  EXPECT_NE(done.error().message().find("1 unexpected trailing bytes"), std::string::npos);
}

}  // namespace
}  // namespace skr::der
