/**
 * A fake of the Midjourney HTTP API (docs/provider/mj-generate-api.txt and mj-api-reference.md) on 127.0.0.1, port 0.
 *
 * It speaks the real wire protocol (`{ code, msg, data }` bodies, Bearer authentication, the generate / vary / upscale /
 * video-extend / record-info / credit endpoints, result files, signed callbacks) and validates the bodies that create
 * tasks the way the provider documents them (docs/provider/mj-follow-up-endpoints.md for vary, upscale and extend).
 * Its vocabulary (task types, choices, ranges, field names) is written out here from the provider's pages on purpose,
 * not imported from `src/api/spec.ts`: the fake is the oracle the client is checked against, so a mistake in the
 * client's constants must not be copied into it.
 *
 * HTTP status of error answers: the provider does not document whether the HTTP status agrees with the body `code`.
 * The fake answers errors with the HTTP status equal to the body code (401 → HTTP 401, 422 → HTTP 422…); tests that
 * need another combination (HTTP 200 with body code 500, say) use `respondToGenerate` (`respondTo` for the
 * other endpoints that create a task) / `respondToRecordInfo`. The code is split in `fakes/midjourney/`.
 */
export * from './midjourney/files.js';
export * from './midjourney/server.js';
export type * from './midjourney/types.js';
