"""A real S3 server on 127.0.0.1 for the tests: moto's, in a thread of the test process.

Starting it points every AWS client of this process and of the processes it starts (the
``curate`` command, Dask schedulers and workers) at it: ``AWS_ENDPOINT_URL`` and test
credentials go into the environment, as a user's deployment would set them.
"""

from __future__ import annotations

import os
import uuid


class S3Server:
    def __init__(self):
        import logging

        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.WARNING)     # a line per request otherwise

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        self.env = {"AWS_ENDPOINT_URL": self.endpoint, "AWS_ACCESS_KEY_ID": "curate-test",
                    "AWS_SECRET_ACCESS_KEY": "curate-test", "AWS_DEFAULT_REGION": "us-east-1"}
        os.environ.update(self.env)

    def bucket(self) -> str:
        """A new empty bucket's name."""
        import boto3

        name = f"curate-{uuid.uuid4().hex[:12]}"
        boto3.client("s3", endpoint_url=self.endpoint).create_bucket(Bucket=name)
        return name

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        import boto3

        pages = boto3.client("s3", endpoint_url=self.endpoint).get_paginator("list_objects_v2")
        return sorted(o["Key"] for page in pages.paginate(Bucket=bucket, Prefix=prefix) for o in page.get("Contents", []))

    def stop(self) -> None:
        self._server.stop()
