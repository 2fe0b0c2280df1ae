// An independent verifier of gradflow's Open Badges 3.0 credentials
// (tests/e2e/badges.rs runs it): jose checks the VC-JWT's EdDSA signature
// against the key its header's `kid` names and against the issuer's
// published JWK set, ajv validates the credential against 1EdTech's
// published JSON schema, and the revocation bit is read from the signed
// status list the credential points to, all fetched over HTTP as any
// verifier would.
//
//   node verify-credential.mjs CREDENTIAL.jwt SCHEMA.json
//
// Prints one JSON line ({"revoked": bool, "kid": ..., ...}) and exits 0
// when the credential verifies; prints why and exits 1 when it does not.

import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import * as jose from "jose";
import Ajv2019 from "ajv/dist/2019.js";
import addFormats from "ajv-formats";

function fail(why) {
  console.error(`credential does not verify: ${why}`);
  process.exit(1);
}

async function fetchText(url, type) {
  const response = await fetch(url, { cache: "no-store" });
  if (!response.ok) fail(`${url} answered ${response.status}`);
  const got = response.headers.get("content-type") || "";
  if (type && !got.startsWith(type)) fail(`${url} is ${got}, not ${type}`);
  return response.text();
}

const [jwtFile, schemaFile] = process.argv.slice(2);
const jwt = readFileSync(jwtFile, "utf8").trim();
const schema = JSON.parse(readFileSync(schemaFile, "utf8"));

// The header Open Badges 3.0 allows: alg, kid (a URL of the JWK), typ JWT.
const header = jose.decodeProtectedHeader(jwt);
if (header.alg !== "EdDSA") fail(`alg is ${header.alg}`);
if (header.typ !== "JWT") fail(`typ is ${header.typ}`);
if (Object.keys(header).some((k) => !["alg", "kid", "typ", "jwk"].includes(k)))
  fail(`header has other members: ${Object.keys(header)}`);

// The key the kid names, fetched, must verify the token.
const jwk = JSON.parse(await fetchText(header.kid, "application/jwk+json"));
if ("d" in jwk) fail("the published JWK holds a private key");
const { payload } = await jose.compactVerify(jwt, await jose.importJWK(jwk, "EdDSA"));
const claims = JSON.parse(new TextDecoder().decode(payload));

// And the issuer's JWK set verifies it too, with the claims checked.
const issuer = typeof claims.issuer === "string" ? claims.issuer : claims.issuer.id;
const jwksUrl = new URL("/.well-known/jwks.json", issuer);
const set = JSON.parse(await fetchText(jwksUrl, "application/jwk-set+json"));
if (set.keys.some((k) => "d" in k)) fail("the JWK set holds a private key");
await jose.jwtVerify(jwt, jose.createLocalJWKSet(set), {
  algorithms: ["EdDSA"],
  issuer,
  subject: claims.credentialSubject.id,
});

// The JWT claims repeat the credential (Open Badges 3.0, 8.2).
if (claims.jti !== claims.id) fail("jti is not the credential's id");
if (claims.nbf !== Math.floor(Date.parse(claims.validFrom) / 1000)) fail("nbf is not validFrom");
if (claims.validUntil && claims.exp !== Math.floor(Date.parse(claims.validUntil) / 1000))
  fail("exp is not validUntil");

// The credential follows the published schema.
const ajv = new Ajv2019({ strict: false, allErrors: true });
addFormats(ajv);
const validate = ajv.compile(schema);
if (!validate(claims)) fail(`schema: ${ajv.errorsText(validate.errors)}`);
if (!claims.type.includes("OpenBadgeCredential")) fail("not an OpenBadgeCredential");

// Its revocation bit, from the signed status list.
const status = claims.credentialStatus;
if (status.type !== "BitstringStatusListEntry" || status.statusPurpose !== "revocation")
  fail(`credentialStatus is ${JSON.stringify(status)}`);
const listJwt = await fetchText(status.statusListCredential, "application/vc+jwt");
const { payload: list } = await jose.jwtVerify(listJwt, jose.createLocalJWKSet(set), {
  algorithms: ["EdDSA"],
  issuer,
});
if (list.id !== status.statusListCredential) fail("the status list is another list");
if (!list.type.includes("BitstringStatusListCredential")) fail("not a status list");
const encoded = list.credentialSubject.encodedList;
if (!encoded.startsWith("u")) fail("encodedList is not multibase base64url");
const bits = gunzipSync(Buffer.from(encoded.slice(1), "base64url"));
if (bits.length * 8 < 131072) fail(`the status list has only ${bits.length * 8} bits`);
const index = Number(status.statusListIndex);
const revoked = (bits[index >> 3] & (0x80 >> (index & 7))) !== 0;

console.log(
  JSON.stringify({
    revoked,
    index,
    kid: header.kid,
    keys: set.keys.length,
    name: claims.name,
    holder: claims.credentialSubject.identifier?.[0]?.identityHash,
    validFrom: claims.validFrom,
    validUntil: claims.validUntil ?? null,
  }),
);
