#!/usr/bin/env python3
"""An Open Service Broker on loopback for the broker tests, built on PyPI's openbrokerapi
(pinned in scripts/setup.sh).

Catalog: service "pgsql" (id svc-pg) with a synchronous plan "small" and an asynchronous plan
"async": its provision and its deprovision answer 202, then last_operation answers "in
progress" once, then "succeeded" (a finished deprovision answers 410 Gone, as OSB allows).
Bindings return credentials (strings, plus a number that clients drop). Basic auth:
--user/--password.

Failure switch: POST /_control with a JSON body {"fail": MODE, "delay": SECONDS} (no auth; MODE
null clears it; every answer but /_control's waits SECONDS):
  "provision-500"   provision answers 500
  "provision-410"   provision answers 410 Gone
  "provision-422"   provision answers 422 AsyncRequired
  "deprovision-500" deprovision answers 500
  "unbind-500"      unbind answers 500
  "async-never"     asynchronous operations never finish
  "async-failed"    asynchronous operations end "failed" (the instance stays)
  "bind-500"        bind answers 500
GET /_control returns the recorded requests (method, path, query, headers, JSON body).

Prints "PORT <n>" once it listens on 127.0.0.1.
"""
import argparse
import json
import logging
import sys
import threading
import time

from flask import Flask, jsonify, request
from openbrokerapi import api, errors
from openbrokerapi.catalog import ServicePlan
from openbrokerapi.service_broker import (
    Binding,
    DeprovisionServiceSpec,
    LastOperation,
    OperationState,
    ProvisionedServiceSpec,
    ProvisionState,
    Service,
    ServiceBroker,
    UnbindSpec,
    UpdateServiceSpec,
)
from werkzeug.serving import make_server

STATE = {"fail": None, "delay": 0.0, "instances": {}, "bindings": {}, "polls": {}, "requests": []}
LOCK = threading.Lock()


class Failure(Exception):
    """An error openbrokerapi turns into a 500."""


def fail_with(mode):
    if STATE["fail"] == mode:
        raise Failure("switched to fail")


# Provision failures, answered before the framework sees the request (its provision route
# maps no exception to 410).
PROVISION_FAILURES = {
    "provision-500": (500, {"description": "switched to fail"}),
    "provision-410": (410, {"description": "gone"}),
    "provision-422": (422, {"error": "AsyncRequired", "description": "This service plan requires client support for asynchronous service operations."}),
}


class Broker(ServiceBroker):
    def catalog(self):
        return Service(
            id="svc-pg",
            name="pgsql",
            description="PostgreSQL databases",
            bindable=True,
            plan_updateable=True,
            plans=[
                ServicePlan(id="plan-small", name="small", description="a small database"),
                ServicePlan(id="plan-async", name="async", description="made asynchronously"),
            ],
        )

    def provision(self, instance_id, details, async_allowed, **kwargs):
        with LOCK:
            if instance_id in STATE["instances"]:
                raise errors.ErrInstanceAlreadyExists()
            STATE["instances"][instance_id] = {
                "plan_id": details.plan_id,
                "parameters": details.parameters,
            }
        if details.plan_id == "plan-async":
            if not async_allowed:
                raise errors.ErrAsyncRequired()
            STATE["polls"]["op-" + instance_id] = 0
            return ProvisionedServiceSpec(ProvisionState.IS_ASYNC, operation="op-" + instance_id)
        return ProvisionedServiceSpec(ProvisionState.SUCCESSFUL_CREATED)

    def update(self, instance_id, details, async_allowed, **kwargs):
        with LOCK:
            if instance_id not in STATE["instances"]:
                raise errors.ErrInstanceDoesNotExist()
            STATE["instances"][instance_id]["plan_id"] = details.plan_id
        return UpdateServiceSpec(is_async=False)

    def deprovision(self, instance_id, details, async_allowed, **kwargs):
        fail_with("deprovision-500")
        with LOCK:
            instance = STATE["instances"].get(instance_id)
            if instance is None:
                raise errors.ErrInstanceDoesNotExist()
            if instance["plan_id"] != "plan-async":
                del STATE["instances"][instance_id]
                return DeprovisionServiceSpec(is_async=False)
        if not async_allowed:
            raise errors.ErrAsyncRequired()
        operation = "deprovision-" + instance_id
        with LOCK:
            STATE["polls"][operation] = 0
        return DeprovisionServiceSpec(is_async=True, operation=operation)

    def bind(self, instance_id, binding_id, details, async_allowed, **kwargs):
        fail_with("bind-500")
        with LOCK:
            if instance_id not in STATE["instances"]:
                raise errors.ErrInstanceDoesNotExist()
            if binding_id in STATE["bindings"]:
                raise errors.ErrBindingAlreadyExists()
            STATE["bindings"][binding_id] = instance_id
        return Binding(
            credentials={
                "PG_URL": "postgres://app:secret@127.0.0.1:5432/" + instance_id[:8],
                "PG_PASSWORD": "secret-" + binding_id[:8],
                "PG_PORT": 5432,
            }
        )

    def unbind(self, instance_id, binding_id, details, async_allowed, **kwargs):
        fail_with("unbind-500")
        with LOCK:
            if STATE["bindings"].pop(binding_id, None) is None:
                raise errors.ErrBindingDoesNotExist()
        return UnbindSpec(is_async=False)

    def last_operation(self, instance_id, operation_data, **kwargs):
        if STATE["fail"] == "async-never":
            return LastOperation(OperationState.IN_PROGRESS, "still working")
        if STATE["fail"] == "async-failed":
            return LastOperation(OperationState.FAILED, "the disk is full")
        deprovision = (operation_data or "").startswith("deprovision-")
        with LOCK:
            n = STATE["polls"].get(operation_data, 1)
            STATE["polls"][operation_data] = n + 1
            if n > 0 and deprovision:
                STATE["instances"].pop(instance_id, None)
        if n == 0:
            return LastOperation(OperationState.IN_PROGRESS, "deleting" if deprovision else "creating")
        if deprovision:
            raise errors.ErrInstanceDoesNotExist()
        return LastOperation(OperationState.SUCCEEDED)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--user", default="broker")
    parser.add_argument("--password", default="broker-pass")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = Flask("osb")
    logger = logging.getLogger("osb")
    logger.setLevel(logging.CRITICAL)

    @app.before_request
    def record():
        if request.path != "/_control":
            failure = PROVISION_FAILURES.get(STATE["fail"])
            is_provision = request.method == "PUT" and request.path.count("/") == 3
            with LOCK:
                STATE["requests"].append(
                    {
                        "method": request.method,
                        "path": request.path,
                        "query": request.args.to_dict(),
                        "headers": {k.lower(): v for k, v in request.headers.items()},
                        "body": request.get_json(silent=True),
                    }
                )
            if STATE["delay"]:
                time.sleep(STATE["delay"])
            if failure and is_provision:
                status, body = failure
                return jsonify(body), status

    @app.route("/_control", methods=["GET", "POST"])
    def control():
        if request.method == "POST":
            cfg = request.get_json(silent=True) or {}
            STATE["fail"] = cfg.get("fail")
            STATE["delay"] = float(cfg.get("delay") or 0)
            return jsonify({"fail": STATE["fail"]})
        with LOCK:
            return jsonify(STATE["requests"])

    app.register_blueprint(
        api.get_blueprint(Broker(), api.BrokerCredentials(args.user, args.password), logger)
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print("PORT %d" % server.server_port, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
