"""`rammeaftale economy guarantee`: JSON in, the guarantee engine (`engine/guarantee.py`), JSON out. To be built."""


def guarantee_json(data) -> dict:
    raise NotImplementedError
