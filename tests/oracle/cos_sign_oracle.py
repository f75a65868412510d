#!/usr/bin/env python3
# -*- coding: utf-8 -*-
# Copied verbatim (apart from this line) from the shared signing oracle that generated tests/vectors/; used by crates/cos-sign/tests/oracle.rs.
"""Signing oracle backed by the real Tencent COS Python SDK (cos-python-sdk-v5 / qcloud_cos).

Needs a Python in which `pip install cos-python-sdk-v5==1.9.44` has been run (a virtualenv is best):
    python cos_sign_oracle.py            < one.json     -> prints the Authorization header (or the URL for presigned_url)
    python cos_sign_oracle.py --json     < one.json     -> prints a JSON object with the intermediate strings
    python cos_sign_oracle.py            < many.json    -> (JSON array in) JSON array out
    python cos_sign_oracle.py --jsonl    (one JSON object per stdin line, one JSON result per stdout
                                          line, flushed; for driving from a Rust test)

Request description (all keys optional except secret_id/secret_key/method):
  op           "auth" (default): CosS3Auth.__call__ on a request object, i.e. the signing algorithm itself.
               "get_auth":       CosS3Client.get_auth(Method, Bucket, Key, Expired, Headers, Params, SignHost)
               "presigned_url":  CosS3Client.get_presigned_url(Bucket, Key, Method, Expired, Params, Headers, SignHost=...)
  secret_id, secret_key   strings (the SDK's CosConfig rejects leading/trailing spaces)
  method       "GET" | "PUT" | ... (any case; the SDK lowercases it in the HttpString)
  key          object key as given to the SDK (null/absent -> path "/"; a missing leading "/" is added)
  params       {name: value} url params that are signed (values may be str/int/null: the SDK str()s them)
  headers      {name: value} request headers as seen by the signer (only host, content-*, etc. and x-cos-*/x-ci-* are signed)
  token        STS token; for op=auth it is added as header "x-cos-security-token" exactly like send_request does;
               for get_auth/presigned_url it is set on CosConfig(Token=...) (which those APIs ignore!)
  url          op=auth only: request URL; host is taken from it when sign_host and no Host header. Default: built
               with CosConfig.uri(bucket, key) for bucket/region below.
  bucket       default "examplebucket-1250000000";  region: default "ap-guangzhou"
  sign_host    default true (CosConfig SignHost);  sign_params: default true (CosConfig SignParams)
  sign_host_override  per-call SignHost argument (op=auth: CosS3Auth's sign_host; get_auth/presigned_url: SignHost=)
  use_ci_endpoint     get_auth/presigned_url only: UseCiEndPoint=True
  domain, endpoint, scheme, enable_old_domain, enable_internal_domain, appid
               passed to CosConfig as Domain, Endpoint, Scheme, EnableOldDomain, EnableInternalDomain, Appid
  anonymous    default false (then Authorization is "")
  Time: either sign_start + sign_end (the SDK computes start=now-60, end=now+expire, so now=sign_start+60 and
        expire=sign_end-now are used) or now + expire (op=auth default expire 10000, get_auth/presign default 300).
"""
import io
import json
import logging
import sys
import types

try:
    import qcloud_cos
    from qcloud_cos import cos_auth, cos_client
    from qcloud_cos.cos_auth import CosS3Auth
except ImportError:  # pragma: no cover
    sys.stderr.write("qcloud_cos not importable: pip install cos-python-sdk-v5==1.9.44 "
                     "into the Python that runs this script\n")
    raise

_real_time = cos_auth.time


class _Clock(object):
    def __init__(self, now):
        self.now = now

    def time(self):
        return self.now

    def __getattr__(self, name):
        return getattr(_real_time, name)


class _Capture(logging.Handler):
    """Collects the SDK's own debug log lines from qcloud_cos.cos_auth (format str, str_to_sign, sign_key, sign)."""

    def __init__(self):
        logging.Handler.__init__(self, logging.DEBUG)
        self.records = []

    def emit(self, record):
        self.records.append(record.getMessage())


_auth_logger = logging.getLogger('qcloud_cos.cos_auth')


def _times(spec, default_expire):
    if 'sign_start' in spec and 'sign_end' in spec:
        now = int(spec['sign_start']) + 60
        expire = int(spec['sign_end']) - now
    else:
        now = int(spec.get('now', 1700000000))
        expire = int(spec.get('expire', default_expire))
    return now, expire


def _conf(spec):
    kw = dict(Region=spec.get('region', 'ap-guangzhou'),
              SecretId=spec['secret_id'], SecretKey=spec['secret_key'],
              SignHost=spec.get('sign_host', True), SignParams=spec.get('sign_params', True),
              Anonymous=spec.get('anonymous', None))
    for k_json, k_conf in (('token', 'Token'), ('domain', 'Domain'), ('endpoint', 'Endpoint'),
                           ('scheme', 'Scheme'), ('enable_old_domain', 'EnableOldDomain'),
                           ('enable_internal_domain', 'EnableInternalDomain'), ('appid', 'Appid')):
        if k_json in spec and spec[k_json] is not None:
            kw[k_conf] = spec[k_json]
    if spec.get('op', 'auth') == 'auth':
        kw.pop('Token', None)  # op=auth: the token travels as a header (see below)
    return qcloud_cos.CosConfig(**kw)


def _parse_capture(records, out):
    for m in records:
        if m.startswith('format str: '):
            out['format_string'] = m[len('format str: '):]
        elif m.startswith('str_to_sign: '):
            out['string_to_sign'] = m[len('str_to_sign: '):]
        elif m.startswith('sign_key: '):
            out['sign_key'] = m[len('sign_key: '):]
        elif m.startswith('sign: '):
            out['signature'] = m[len('sign: '):]


def _split_auth(auth, out):
    if not auth:
        return
    parts = dict(p.split('=', 1) for p in auth.split('&'))
    out['header_list'] = parts.get('q-header-list')
    out['url_param_list'] = parts.get('q-url-param-list')
    out.setdefault('signature', parts.get('q-signature'))


def sign(spec):
    """Returns a dict: authorization (+ format_string, string_to_sign, sign_key, signature, header_list,
    url_param_list, and url for presigned_url)."""
    op = spec.get('op', 'auth')
    out = {}
    cap = _Capture()
    old_level = _auth_logger.level
    _auth_logger.addHandler(cap)
    _auth_logger.setLevel(logging.DEBUG)
    saved_time = (cos_auth.time, cos_client.time)
    try:
        now, expire = _times(spec, 10000 if op == 'auth' else 300)
        cos_auth.time = _Clock(now)
        cos_client.time = _Clock(now)
        conf = _conf(spec)
        params = dict(spec.get('params') or {})
        headers = dict(spec.get('headers') or {})
        if op == 'auth':
            if spec.get('token') is not None:
                headers['x-cos-security-token'] = spec['token']
            url = spec.get('url') or conf.uri(bucket=spec.get('bucket', 'examplebucket-1250000000'),
                                              path=(spec.get('key') or None))
            req = types.SimpleNamespace(method=spec['method'], url=url, headers=headers)
            auth = CosS3Auth(conf, spec.get('key'), params, expire, spec.get('sign_host_override'))
            auth(req)
            out['authorization'] = req.headers['Authorization']
        else:
            client = qcloud_cos.CosS3Client(conf, retry=0)
            if op == 'get_auth':
                out['authorization'] = client.get_auth(Method=spec['method'],
                                                       Bucket=spec.get('bucket', 'examplebucket-1250000000'),
                                                       Key=spec.get('key'), Expired=expire, Headers=headers,
                                                       Params=params, SignHost=spec.get('sign_host_override'),
                                                       UseCiEndPoint=spec.get('use_ci_endpoint', False))
            elif op == 'presigned_url':
                url = client.get_presigned_url(Bucket=spec.get('bucket', 'examplebucket-1250000000'),
                                               Key=spec.get('key'), Method=spec['method'], Expired=expire,
                                               Params=params, Headers=headers,
                                               UseCiEndPoint=spec.get('use_ci_endpoint', False),
                                               SignHost=spec.get('sign_host_override'))
                out['url'] = url
                auths = [m for m in cap.records if m.startswith('q-sign-algorithm=')]
                out['authorization'] = auths[-1] if auths else None
            else:
                raise ValueError('unknown op %r' % op)
        _parse_capture(cap.records, out)
        _split_auth(out.get('authorization'), out)
        out['sign_time'] = '%d;%d' % (now - 60, now + expire)
    except Exception as e:  # report SDK exceptions as data
        out = {'error': type(e).__name__, 'message': str(e)}
    finally:
        cos_auth.time, cos_client.time = saved_time
        _auth_logger.removeHandler(cap)
        _auth_logger.setLevel(old_level)
    return out


def main(argv):
    as_json = '--json' in argv
    if '--jsonl' in argv:
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            sys.stdout.write(json.dumps(sign(json.loads(line)), ensure_ascii=False) + '\n')
            sys.stdout.flush()
        return 0
    data = json.load(io.TextIOWrapper(sys.stdin.buffer, encoding='utf-8'))
    if isinstance(data, list):
        print(json.dumps([sign(d) for d in data], ensure_ascii=False, indent=1))
        return 0
    res = sign(data)
    if as_json:
        print(json.dumps(res, ensure_ascii=False, indent=1))
    else:
        if 'error' in res:
            sys.stderr.write('%s: %s\n' % (res['error'], res['message']))
            return 1
        print(res.get('url') if data.get('op') == 'presigned_url' else res['authorization'])
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
