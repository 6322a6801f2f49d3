// EnsureSelfSignedCertificate: the certificate a server uses when none is configured.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sluice/common/durable_file.h"
#include "sluice/common/log.h"
#include "sluice/net/http_server.h"

namespace sluice::net {
namespace {

namespace fs = std::filesystem;

constexpr long kValiditySeconds = 10L * 365 * 24 * 60 * 60;  // ten years
constexpr int kSerialBits = 127;                             // positive, under 20 bytes

template <auto kFree>
struct OpenSslDeleter {
  template <class T>
  void operator()(T* p) const {
    kFree(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, OpenSslDeleter<&EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, OpenSslDeleter<&X509_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<&BN_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<&X509_EXTENSION_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<&BIO_free_all>>;

// A failure, with OpenSSL's own reason when it has one (and its error queue cleared).
Status OpenSslFailure(std::string_view what) {
  std::string message = "cannot generate self-signed certificate: " + std::string(what);
  if (unsigned long code = ERR_get_error(); code != 0) {
    char reason[256];
    ERR_error_string_n(code, reason, sizeof(reason));
    message += std::string(": ") + reason;
  }
  ERR_clear_error();
  return Status(ErrorCode::kInternal, message);
}

Status AddExtension(X509* cert, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, cert, cert, nullptr, nullptr, 0);
  ExtensionPtr extension(X509V3_EXT_conf_nid(nullptr, &context, nid, value));
  if (!extension || X509_add_ext(cert, extension.get(), -1) != 1) {
    return OpenSslFailure(std::string("adding extension ") + OBJ_nid2sn(nid));
  }
  return Status::Ok();
}

Result<X509Ptr> MakeCertificate(EVP_PKEY* key) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return OpenSslFailure("creating the certificate");
  }

  BignumPtr serial(BN_new());
  if (!serial || BN_rand(serial.get(), kSerialBits, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return OpenSslFailure("choosing a serial number");
  }
  if (X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValiditySeconds) == nullptr) {
    return OpenSslFailure("setting the validity period");
  }
  if (X509_set_pubkey(cert.get(), key) != 1) return OpenSslFailure("setting the public key");

  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(cert.get(), name) != 1) {
    return OpenSslFailure("setting the subject");
  }

  SLUICE_RETURN_IF_ERROR(AddExtension(cert.get(), NID_basic_constraints, "critical,CA:FALSE"));
  SLUICE_RETURN_IF_ERROR(AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature"));
  SLUICE_RETURN_IF_ERROR(AddExtension(cert.get(), NID_ext_key_usage, "serverAuth"));
  SLUICE_RETURN_IF_ERROR(AddExtension(cert.get(), NID_subject_key_identifier, "hash"));
  SLUICE_RETURN_IF_ERROR(AddExtension(cert.get(), NID_authority_key_identifier, "keyid:always"));
  SLUICE_RETURN_IF_ERROR(
      AddExtension(cert.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1"));

  if (X509_sign(cert.get(), key, EVP_sha256()) == 0) return OpenSslFailure("signing");
  return cert;
}

// The PEM text a writer produces into a memory BIO.
template <class Writer>
Result<std::string> ToPem(Writer write, std::string_view what) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1)
    return OpenSslFailure(std::string("encoding ") + std::string(what));
  char* data = nullptr;
  long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

Status CreateParent(const fs::path& path) {
  if (!path.has_parent_path()) return Status::Ok();
  return CreatePrivateDirectory(path.parent_path());
}

}  // namespace

Status EnsureSelfSignedCertificate(const fs::path& cert, const fs::path& key) {
  std::error_code ec;
  const bool have_cert = fs::exists(cert, ec);
  const bool have_key = fs::exists(key, ec);
  if (have_cert && have_key) return Status::Ok();
  if (have_cert) {
    // Never ours alone (the key is written first): someone put it there, so it is not replaced.
    return Status(ErrorCode::kInternal, "TLS file " + cert.string() + " exists but " +
                                            key.string() +
                                            " does not; provide both or remove it to have a "
                                            "self-signed pair generated");
  }
  if (have_key) {
    // What a crash between writing the key and the certificate leaves: a new pair replaces it.
    Logger("net")->warn(
        "TLS key {} has no certificate {} (an interrupted first start?); "
        "generating a new self-signed pair",
        key.string(), cert.string());
  }

  SLUICE_RETURN_IF_ERROR(CreateParent(cert));
  SLUICE_RETURN_IF_ERROR(CreateParent(key));

  PkeyPtr private_key(EVP_EC_gen("P-256"));
  if (!private_key) return OpenSslFailure("generating a P-256 key");
  auto certificate = MakeCertificate(private_key.get());
  if (!certificate.ok()) return certificate.status();

  auto key_pem = ToPem(
      [&](BIO* bio) {
        return PEM_write_bio_PrivateKey(bio, private_key.get(), nullptr, nullptr, 0, nullptr,
                                        nullptr);
      },
      "the private key");
  if (!key_pem.ok()) return key_pem.status();
  auto cert_pem =
      ToPem([&](BIO* bio) { return PEM_write_bio_X509(bio, certificate->get()); }, "certificate");
  if (!cert_pem.ok()) return cert_pem.status();

  // The key first: a crash in between leaves a lone key, which the check above reports.
  SLUICE_RETURN_IF_ERROR(WriteFileDurably(key, *key_pem, 0600, IfPresent::kReplace));
  SLUICE_RETURN_IF_ERROR(WriteFileDurably(cert, *cert_pem, 0644, IfPresent::kReplace));
  Logger("net")->info("generated a self-signed TLS certificate {} (key {})", cert.string(),
                      key.string());
  return Status::Ok();
}

}  // namespace sluice::net
