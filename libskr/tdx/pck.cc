#include "libskr/tdx/pck.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "libskr/encoding/der.h"

namespace skr::tdx {
namespace {

constexpr std::string_view kStructure = "PCK SGX extension";

std::string Sub(std::string_view suffix) {
  return std::string(kSgxExtensionOid) + std::string(suffix);
}

template <size_t N>
Result<void> ReadFixedOctets(der::Reader& r, Array<N>& out, std::string_view field) {
  size_t at = r.offset();
  SKR_ASSIGN_OR_RETURN(ByteView v, r.ReadOctetString(field));
  if (v.size() != N) {
    return r.MalformedAt(
        at, field,
        "OCTET STRING has " + std::to_string(v.size()) + " bytes, expected " + std::to_string(N));
  }
  std::copy(v.begin(), v.end(), out.begin());
  return Ok();
}

Result<PckTcb> ParseTcb(der::Reader& r) {
  SKR_ASSIGN_OR_RETURN(der::Reader seq, r.Enter(der::kSequence, "TCB"));
  PckTcb tcb;
  std::vector<bool> seen(19, false);
  while (!seq.done()) {
    SKR_ASSIGN_OR_RETURN(der::Reader item, seq.Enter(der::kSequence, "TCB component"));
    size_t at = item.offset();
    SKR_ASSIGN_OR_RETURN(std::string oid, item.ReadOid("TCB component OID"));
    std::string prefix = Sub(".2.");
    if (oid.rfind(prefix, 0) != 0) {
      return item.MalformedAt(at, "TCB component OID", "is " + oid + ", expected " + prefix + "N");
    }
    int n = std::atoi(oid.c_str() + prefix.size());
    if (n >= 1 && n <= 16) {
      size_t vat = item.offset();
      SKR_ASSIGN_OR_RETURN(uint64_t v,
                           item.ReadInteger("SGX TCB COMP" + std::to_string(n) + " SVN"));
      if (v > 255)
        return item.MalformedAt(vat, "SGX TCB component SVN",
                                "is " + std::to_string(v) + ", above 255");
      tcb.sgx_tcb_comp_svn[n - 1] = static_cast<uint8_t>(v);
    } else if (n == 17) {
      size_t vat = item.offset();
      SKR_ASSIGN_OR_RETURN(uint64_t v, item.ReadInteger("PCESVN"));
      if (v > 0xFFFF)
        return item.MalformedAt(vat, "PCESVN", "is " + std::to_string(v) + ", above 65535");
      tcb.pce_svn = static_cast<uint16_t>(v);
    } else if (n == 18) {
      SKR_RETURN_IF_ERROR(ReadFixedOctets(item, tcb.cpu_svn, "CPUSVN"));
    } else {
      continue;  // unknown component: skipped
    }
    SKR_RETURN_IF_ERROR(item.ExpectDone("TCB component " + oid));
    seen[n] = true;
  }
  for (int n = 1; n <= 18; ++n) {
    if (!seen[n])
      return Malformed(std::string(kStructure) + ": TCB component " + Sub(".2.") +
                       std::to_string(n) + " is missing");
  }
  return tcb;
}

Result<PckConfiguration> ParseConfiguration(der::Reader& r) {
  SKR_ASSIGN_OR_RETURN(der::Reader seq, r.Enter(der::kSequence, "Configuration"));
  PckConfiguration c;
  while (!seq.done()) {
    SKR_ASSIGN_OR_RETURN(der::Reader item, seq.Enter(der::kSequence, "Configuration item"));
    SKR_ASSIGN_OR_RETURN(std::string oid, item.ReadOid("Configuration item OID"));
    if (oid == Sub(".7.1")) {
      SKR_ASSIGN_OR_RETURN(c.dynamic_platform, item.ReadBoolean("dynamicPlatform"));
    } else if (oid == Sub(".7.2")) {
      SKR_ASSIGN_OR_RETURN(c.cached_keys, item.ReadBoolean("cachedKeys"));
    } else if (oid == Sub(".7.3")) {
      SKR_ASSIGN_OR_RETURN(c.smt_enabled, item.ReadBoolean("SMTEnabled"));
    } else {
      continue;
    }
    SKR_RETURN_IF_ERROR(item.ExpectDone("Configuration item " + oid));
  }
  return c;
}

}  // namespace

Result<PckExtensions> ParsePckExtensionsDer(ByteView data) {
  der::Reader top(data, std::string(kStructure));
  SKR_ASSIGN_OR_RETURN(der::Reader seq, top.Enter(der::kSequence, "SGX extensions"));
  SKR_RETURN_IF_ERROR(top.ExpectDone("SGX extensions"));
  PckExtensions ext;
  bool seen[6] = {};
  while (!seq.done()) {
    SKR_ASSIGN_OR_RETURN(der::Reader item, seq.Enter(der::kSequence, "SGX extension item"));
    SKR_ASSIGN_OR_RETURN(std::string oid, item.ReadOid("SGX extension item OID"));
    if (oid == Sub(".1")) {
      SKR_RETURN_IF_ERROR(ReadFixedOctets(item, ext.ppid, "PPID"));
      seen[1] = true;
    } else if (oid == Sub(".2")) {
      SKR_ASSIGN_OR_RETURN(ext.tcb, ParseTcb(item));
      seen[2] = true;
    } else if (oid == Sub(".3")) {
      SKR_RETURN_IF_ERROR(ReadFixedOctets(item, ext.pce_id, "PCE-ID"));
      seen[3] = true;
    } else if (oid == Sub(".4")) {
      SKR_RETURN_IF_ERROR(ReadFixedOctets(item, ext.fmspc, "FMSPC"));
      seen[4] = true;
    } else if (oid == Sub(".5")) {
      size_t at = item.offset();
      SKR_ASSIGN_OR_RETURN(uint64_t t, item.ReadEnumerated("SGX Type"));
      if (t > 2)
        return item.MalformedAt(at, "SGX Type", "is " + std::to_string(t) + ", expected 0, 1 or 2");
      ext.sgx_type = static_cast<SgxType>(t);
      seen[5] = true;
    } else if (oid == Sub(".6")) {
      Array<16> id{};
      SKR_RETURN_IF_ERROR(ReadFixedOctets(item, id, "PlatformInstanceID"));
      ext.platform_instance_id = id;
    } else if (oid == Sub(".7")) {
      SKR_ASSIGN_OR_RETURN(ext.configuration, ParseConfiguration(item));
    } else {
      continue;  // unknown item: skipped, as Intel may add more
    }
    SKR_RETURN_IF_ERROR(item.ExpectDone("SGX extension item " + oid));
  }
  static constexpr std::string_view kNames[6] = {
      "", "PPID (.1)", "TCB (.2)", "PCE-ID (.3)", "FMSPC (.4)", "SGX Type (.5)"};
  for (int i = 1; i <= 5; ++i) {
    if (!seen[i])
      return Malformed(std::string(kStructure) + ": required item " + std::string(kNames[i]) +
                       " is missing");
  }
  return ext;
}

Result<Bytes> SerializePckExtensionsDer(const PckExtensions& ext) {
  auto item = [](std::string_view suffix, Bytes value) -> Result<Bytes> {
    SKR_ASSIGN_OR_RETURN(Bytes oid, der::Oid(Sub(suffix)));
    const Bytes parts[] = {oid, std::move(value)};
    return der::Sequence(parts);
  };
  std::vector<Bytes> tcb;
  for (int n = 1; n <= 16; ++n) {
    SKR_ASSIGN_OR_RETURN(
        Bytes b, item(".2." + std::to_string(n), der::Integer(ext.tcb.sgx_tcb_comp_svn[n - 1])));
    tcb.push_back(std::move(b));
  }
  SKR_ASSIGN_OR_RETURN(Bytes pcesvn, item(".2.17", der::Integer(ext.tcb.pce_svn)));
  tcb.push_back(std::move(pcesvn));
  SKR_ASSIGN_OR_RETURN(Bytes cpusvn, item(".2.18", der::OctetString(ext.tcb.cpu_svn)));
  tcb.push_back(std::move(cpusvn));

  std::vector<Bytes> items;
  SKR_ASSIGN_OR_RETURN(Bytes ppid, item(".1", der::OctetString(ext.ppid)));
  items.push_back(std::move(ppid));
  SKR_ASSIGN_OR_RETURN(Bytes tcb_item, item(".2", der::Sequence(tcb)));
  items.push_back(std::move(tcb_item));
  SKR_ASSIGN_OR_RETURN(Bytes pce_id, item(".3", der::OctetString(ext.pce_id)));
  items.push_back(std::move(pce_id));
  SKR_ASSIGN_OR_RETURN(Bytes fmspc, item(".4", der::OctetString(ext.fmspc)));
  items.push_back(std::move(fmspc));
  SKR_ASSIGN_OR_RETURN(Bytes type, item(".5", der::Enumerated(static_cast<uint8_t>(ext.sgx_type))));
  items.push_back(std::move(type));
  if (ext.platform_instance_id) {
    SKR_ASSIGN_OR_RETURN(Bytes id, item(".6", der::OctetString(*ext.platform_instance_id)));
    items.push_back(std::move(id));
  }
  if (ext.configuration) {
    std::vector<Bytes> cfg;
    SKR_ASSIGN_OR_RETURN(Bytes a, item(".7.1", der::Boolean(ext.configuration->dynamic_platform)));
    SKR_ASSIGN_OR_RETURN(Bytes b, item(".7.2", der::Boolean(ext.configuration->cached_keys)));
    SKR_ASSIGN_OR_RETURN(Bytes c, item(".7.3", der::Boolean(ext.configuration->smt_enabled)));
    cfg = {std::move(a), std::move(b), std::move(c)};
    SKR_ASSIGN_OR_RETURN(Bytes cfg_item, item(".7", der::Sequence(cfg)));
    items.push_back(std::move(cfg_item));
  }
  return der::Sequence(items);
}

Result<PckExtensions> ParsePckExtensions(const x509::Certificate& pck_leaf) {
  auto value = pck_leaf.ExtensionValue(kSgxExtensionOid);
  if (!value) {
    return NotFound("PCK certificate '" + pck_leaf.subject() + "' has no SGX extension " +
                    std::string(kSgxExtensionOid) + " (not an Intel PCK certificate?)");
  }
  return ParsePckExtensionsDer(*value);
}

}  // namespace skr::tdx
