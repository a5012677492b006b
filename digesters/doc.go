// Package digesters provides the digest algorithms of the project and a
// streaming hashing engine for blobs of any size.
//
// Importing it registers sha256, sha512 and blake3 in core.DefaultAlgorithms. The
// sha256 backend ([SHA256]) is crypto/sha256 or
// github.com/minio/sha256-simd, whichever a calibration of about a
// millisecond on first use finds faster (ties go to the standard
// library); [EnvSHA256] or [SetSHA256Backend] choose instead, and
// [SHA256Choice] says which serves and why. Every backend is also an
// exported value ([SHA256Stdlib], [SHA256SIMD], [SHA512], [BLAKE3]) for
// callers that build their own [core.Algorithms]; none is ever installed
// with crypto.RegisterHash.
//
// The engine reads each byte once and returns the size and every
// requested digest ([DigestReader], [DigestFile]); digests many blobs
// with one worker per core ([DigestFiles], [DigestReaders]); gives the
// digest and the diffID of a gzip or zstd layer in one pass
// ([DigestLayer]); and verifies blobs against descriptors
// ([NewVerifyingReader], [VerifyReader], [VerifyData]). An [Engine]
// carries settings such as a progress callback; the package-level
// functions use the zero Engine.
//
//	res, err := digesters.DigestFile(ctx, "layer.tar.gz", digest.SHA256, digest.SHA512)
//	if err != nil {
//		return err
//	}
//	fmt.Println(res.Size, res.Digests[0], res.Digests[1])
package digesters
