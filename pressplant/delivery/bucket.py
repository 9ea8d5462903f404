"""Files in an S3-compatible bucket, handed to a buyer without passing whole through the app.

Two ways, chosen by PRESSPLANT_S3_DOWNLOADS: a short-lived presigned URL the buyer is redirected to (the
bucket sends the bytes and answers Range itself), or a proxied stream that asks the bucket for exactly
the bytes the buyer asked for. Who may download what is decided before either is called.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from botocore.config import Config
from django.core.files.storage import Storage
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

_CHUNK_BYTES = 256 * 1024


def is_bucket(storage: Storage) -> bool:
    """Whether `storage` keeps its files in an S3-compatible bucket."""
    return isinstance(storage, S3Storage)


def presigned_url(storage: S3Storage, key: str, *, http_method: str, seconds: int, content_disposition: str,
                  content_type: str, public_endpoint_url: str = "") -> str:
    """A URL that fetches `key` for `seconds`, whose response names the file as `content_disposition` says.

    With `public_endpoint_url` the URL is signed for that host (a bucket reached by buyers under another
    name than by the app); signing needs no connection to it.
    """
    client = _signing_client(storage, public_endpoint_url or storage.endpoint_url)
    params = {"Bucket": storage.bucket_name, "Key": _object_key(storage, key),
              "ResponseContentDisposition": content_disposition, "ResponseContentType": content_type,
              "ResponseCacheControl": "private, no-transform"}
    url: str = client.generate_presigned_url("get_object", Params=params, ExpiresIn=seconds,
                                             HttpMethod=http_method)
    return url


def read_range(storage: S3Storage, key: str, start: int, length: int) -> Iterator[bytes]:
    """Bytes `start` .. `start + length - 1` of `key`, asked of the bucket as one ranged GET and passed on
    in chunks as they arrive: the whole object is never fetched for a part of it."""
    if length <= 0:
        return
    client = storage.connection.meta.client
    answer = client.get_object(Bucket=storage.bucket_name, Key=_object_key(storage, key),
                               Range=f"bytes={start}-{start + length - 1}")
    body = answer["Body"]
    try:
        yield from body.iter_chunks(_CHUNK_BYTES)
    finally:
        body.close()


def _object_key(storage: S3Storage, key: str) -> str:
    """The object's key in the bucket, as the storage itself names it (under AWS_LOCATION, if any)."""
    name: str = storage._normalize_name(clean_name(key))
    return name


@functools.cache
def _signing_client(storage: S3Storage, endpoint_url: str | None) -> Any:
    """A client of the storage's credentials and region for `endpoint_url`, only ever used to sign. It signs
    with Signature Version 4 unless the storage names another: left to itself, boto3 presigns for a custom
    endpoint with the retired version 2, which AWS's newer regions and many S3-compatible servers refuse."""
    config = storage.client_config.merge(Config(signature_version=storage.signature_version or "s3v4"))
    return storage._create_session().client("s3", region_name=storage.region_name, endpoint_url=endpoint_url,
                                            config=config)
