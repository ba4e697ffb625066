// Secure Key Release with the official Azure SDK for JavaScript (@azure/keyvault-keys), as a
// guest application would write it: a managed-identity TokenCredential on IMDS, a KeyClient on
// the vault, createRsaKey (exportable RSA-HSM with a release policy), getKey, releaseKey.
// Run by the conformance suite AzureSdkJs (conformance/suites/azure_sdk_js_test.cc).
//
// Environment (all required unless marked):
//   SKR_VAULT_URL          https://127.0.0.1:PORT (trust its CA with NODE_EXTRA_CA_CERTS)
//   SKR_IMDS_URL           http://127.0.0.1:PORT (the emulated IMDS)
//   SKR_KEY_NAME           the key to create, get and release
//   SKR_RELEASE_POLICY     file with the release policy JSON; if unset the key is not created
//   SKR_ATTESTATION_TOKEN  file with the MAA token to release with
//   SKR_RELEASE_ENC        (optional) CKM_RSA_AES_KEY_WRAP | RSA_AES_KEY_WRAP_256 | ..._384
//   SKR_SERVICE_VERSION    (optional) Key Vault api-version, default 7.5
//
// stdout: one JSON object {created?, got, released: {value}}. On failure: one JSON object
// {error: {name, statusCode, code, message}, created?, got?} on stderr and exit status 1.
import { readFileSync } from "node:fs";
import http from "node:http";
import { KeyClient } from "@azure/keyvault-keys";

function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`environment variable ${name} is not set`);
  return v;
}

// GET {imds}/metadata/identity/oauth2/token with Metadata: true (plain HTTP, link-local on Azure,
// loopback here), as @azure/identity's ManagedIdentityCredential does for IMDS.
function imdsToken(imdsUrl, resource) {
  const url = new URL("/metadata/identity/oauth2/token", imdsUrl);
  url.searchParams.set("api-version", "2018-02-01");
  url.searchParams.set("resource", resource);
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { Metadata: "true" } }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => {
        if (res.statusCode !== 200) {
          reject(new Error(`IMDS token for ${resource}: HTTP ${res.statusCode} ${body}`));
          return;
        }
        try {
          resolve(JSON.parse(body));
        } catch (e) {
          reject(new Error(`IMDS token for ${resource}: not JSON: ${body}`));
        }
      });
    });
    req.on("error", reject);
  });
}

// A TokenCredential (@azure/core-auth): scopes are "<resource>/.default" from the vault's
// challenge; IMDS takes the resource.
class ImdsCredential {
  constructor(imdsUrl) {
    this.imdsUrl = imdsUrl;
    this.requests = 0;
  }
  async getToken(scopes) {
    const scope = Array.isArray(scopes) ? scopes[0] : scopes;
    const resource = scope.replace(/\/\.default$/, "");
    this.requests++;
    const t = await imdsToken(this.imdsUrl, resource);
    // The emulated services may run on a fixed clock: expire by lifetime, not by expires_on.
    return { token: t.access_token, expiresOnTimestamp: Date.now() + Number(t.expires_in) * 1000 };
  }
}

const b64url = (u8) => (u8 ? Buffer.from(u8).toString("base64url") : undefined);

function describe(k) {
  return {
    id: k.id,
    name: k.name,
    keyType: k.keyType,
    keyOperations: k.keyOperations,
    exportable: k.properties.exportable,
    enabled: k.properties.enabled,
    version: k.properties.version,
    releasePolicy: k.properties.releasePolicy
      ? {
          contentType: k.properties.releasePolicy.contentType,
          immutable: k.properties.releasePolicy.immutable,
          encodedPolicy: b64url(k.properties.releasePolicy.encodedPolicy),
        }
      : null,
    key: { kty: k.key.kty, kid: k.key.kid, n: b64url(k.key.n), e: b64url(k.key.e) },
  };
}

const out = {};
try {
  const credential = new ImdsCredential(required("SKR_IMDS_URL"));
  const client = new KeyClient(required("SKR_VAULT_URL"), credential, {
    serviceVersion: process.env.SKR_SERVICE_VERSION || "7.5",
    // The vault is at 127.0.0.1, not *.vault.azure.net.
    disableChallengeResourceVerification: true,
    retryOptions: { maxRetries: 0 },
  });
  const name = required("SKR_KEY_NAME");
  if (process.env.SKR_RELEASE_POLICY) {
    const policy = readFileSync(process.env.SKR_RELEASE_POLICY);
    const created = await client.createRsaKey(name, {
      hsm: true,
      keySize: 2048,
      exportable: true,
      releasePolicy: { encodedPolicy: new Uint8Array(policy) },
    });
    out.created = describe(created);
  }
  out.got = describe(await client.getKey(name));
  const token = readFileSync(required("SKR_ATTESTATION_TOKEN"), "utf8").trim();
  const options = process.env.SKR_RELEASE_ENC ? { algorithm: process.env.SKR_RELEASE_ENC } : {};
  const released = await client.releaseKey(name, token, options);
  out.released = { value: released.value };
  out.imdsTokenRequests = credential.requests;
  process.stdout.write(JSON.stringify(out) + "\n");
} catch (e) {
  out.error = {
    name: e.name,
    statusCode: e.statusCode ?? null,
    code: e.code ?? null,
    message: e.message,
  };
  process.stderr.write(JSON.stringify(out) + "\n");
  process.exitCode = 1;
}
