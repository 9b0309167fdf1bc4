"""A throwaway certificate authority and a server certificate for Google's storage hosts.

TensorFlow's GCS client only speaks https to www.googleapis.com and
storage.googleapis.com; the test proxy presents this certificate for them,
and TensorFlow trusts it through CURL_CA_BUNDLE.
"""
from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HOSTS = ("www.googleapis.com", "storage.googleapis.com", "oauth2.googleapis.com", "localhost")


@dataclasses.dataclass(frozen=True)
class TestCertificates:
    ca_file: str
    cert_file: str
    key_file: str


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _builder(subject: str, issuer: str, public_key) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.timezone.utc)
    return (x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(_name(issuer))
            .public_key(public_key).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=2)))


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def write_certificates(folder: str) -> TestCertificates:
    """Writes ca.pem, server.pem and server.key into `folder`."""
    ca_key, server_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (_builder("mlpipe test CA", "mlpipe test CA", ca_key.public_key())
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                         critical=True)
          .sign(ca_key, hashes.SHA256()))
    names = [x509.DNSName(h) for h in HOSTS] + [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    server = (_builder(HOSTS[0], "mlpipe test CA", server_key.public_key())
              .add_extension(x509.SubjectAlternativeName(names), critical=False)
              .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
              .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
              .sign(ca_key, hashes.SHA256()))
    os.makedirs(folder, exist_ok=True)
    files = TestCertificates(*(os.path.join(folder, n) for n in ("ca.pem", "server.pem", "server.key")))
    with open(files.ca_file, "wb") as handle:
        handle.write(_pem(ca))
    with open(files.cert_file, "wb") as handle:
        handle.write(_pem(server))
    with open(files.key_file, "wb") as handle:
        handle.write(server_key.private_bytes(serialization.Encoding.PEM,
                                              serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
    return files


def service_account_info(token_uri: str) -> dict[str, str]:
    """A service-account key file's content, with a fresh key and a local token endpoint:
    Google's auth library loads it without a network, as it would a real one."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return {"type": "service_account", "project_id": "mlpipe-test", "private_key_id": "test",
            "private_key": pem, "client_email": "pipeline@mlpipe-test.iam.gserviceaccount.com",
            "client_id": "1", "token_uri": token_uri}
