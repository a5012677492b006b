"""The parts of concil.oci_spec that make manifests, written from its
description (spec/oci_spec-seed.md and spec/media-types.md), used as the
reference for the "concil" encoding.

Input on stdin: {"format": <manifest media type>, "config": D, "layers": [D...]}
where D = {"media_type": str, "data_b64": str, "annotations": [[k, v], ...]}.
Output on stdout: json.dumps(manifest_to_dict(...)) with Python's defaults,
no trailing newline.
"""
import base64
import hashlib
import json
import sys

MANIFEST_DOCKER_MEDIA_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
MANIFEST_OCI_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"

MEDIA_TYPES = {
    MANIFEST_OCI_MEDIA_TYPE: {
        "config": "application/vnd.oci.image.config.v1+json",
        "tar": "application/vnd.oci.image.layer.v1.tar",
        "tar+gzip": "application/vnd.oci.image.layer.v1.tar+gzip",
        "tar+zstd": "application/vnd.oci.image.layer.v1.tar+zstd",
        "tar+encrypted": "application/vnd.oci.image.layer.v1.tar+encrypted",
        "tar+gzip+encrypted": "application/vnd.oci.image.layer.v1.tar+gzip+encrypted",
        "tar+zstd+encrypted": "application/vnd.oci.image.layer.v1.tar+zstd+encrypted",
        "squashfs": "application/vnd.oci.image.layer.v1.squashfs",
        "squashfs+encrypted": "application/vnd.oci.image.layer.v1.squashfs+encrypted",
    },
    MANIFEST_DOCKER_MEDIA_TYPE: {
        "config": "application/vnd.docker.container.image.v1+json",
        "tar": "application/vnd.docker.image.rootfs.diff.tar",
        "tar+gzip": "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "tar+zstd": "application/vnd.docker.image.rootfs.diff.tar.zstd",
        "tar+encrypted": "application/vnd.docker.image.rootfs.diff.tar+encrypted",
        "tar+gzip+encrypted": "application/vnd.docker.image.rootfs.diff.tar.gzip+encrypted",
        "tar+zstd+encrypted": "application/vnd.docker.image.rootfs.diff.tar.zstd+encrypted",
        "squashfs": "application/vnd.docker.image.rootfs.diff.squashfs",
        "squashfs+encrypted": "application/vnd.docker.image.rootfs.diff.squashfs+encrypted",
    },
}


class Descriptor:
    def __init__(self, media_type, size, digest, annotations=None):
        self.media_type = media_type
        self.size = size
        self.digest = digest
        self.annotations = annotations

    @classmethod
    def from_data(cls, data, media_type, annotations=None):
        return cls(media_type, len(data), "sha256:" + hashlib.sha256(data).hexdigest(), annotations)


def descriptor_to_dict(descriptor, manifest_format=MANIFEST_OCI_MEDIA_TYPE):
    result = {
        "mediaType": MEDIA_TYPES[manifest_format].get(descriptor.media_type, descriptor.media_type),
        "size": descriptor.size,
        "digest": descriptor.digest,
    }
    if descriptor.annotations:
        result["annotations"] = descriptor.annotations
    return result


def manifest_to_dict(config_descriptor, layer_descriptors, manifest_format=MANIFEST_OCI_MEDIA_TYPE):
    result = {"schemaVersion": 2}
    if manifest_format != MANIFEST_OCI_MEDIA_TYPE:
        result["mediaType"] = manifest_format
    result["config"] = descriptor_to_dict(config_descriptor, manifest_format)
    result["layers"] = [descriptor_to_dict(d, manifest_format) for d in layer_descriptors]
    return result


def descriptor(d):
    annotations = {k: v for k, v in d.get("annotations") or []} or None
    return Descriptor.from_data(base64.b64decode(d["data_b64"]), d["media_type"], annotations)


def main():
    req = json.load(sys.stdin)
    m = manifest_to_dict(descriptor(req["config"]), [descriptor(l) for l in req["layers"]], req["format"])
    sys.stdout.write(json.dumps(m))


if __name__ == "__main__":
    main()
