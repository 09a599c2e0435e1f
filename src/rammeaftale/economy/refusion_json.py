"""`rammeaftale economy refusion`: JSON in, the § 176 engine (`engine/refusion.py`), JSON out. To be built."""


def refusion_json(data) -> dict:
    raise NotImplementedError
