"""The landing sensor starts a run for new exports once they have finished copying."""

import dagster as dg

from dagster_project.defs.orchestration.sensors import landing_folder_sensor


def _tick(cursor):
    context = dg.build_sensor_context(cursor=cursor)
    result = landing_folder_sensor(context)
    return result, context.cursor


def test_new_files_start_one_run_after_they_settle(tmp_path, monkeypatch):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "ExportOrderList202610312330.csv").write_text("old")
    monkeypatch.setenv("FUGOU_LANDING_DIR", str(landing))

    result, cursor = _tick(None)
    assert isinstance(result, dg.SkipReason) and "baseline" in result.skip_message
    result, cursor = _tick(cursor)
    assert isinstance(result, dg.SkipReason) and result.skip_message == "no new files"

    (landing / "ExportOrderList202611012330.csv").write_text("half")
    result, cursor = _tick(cursor)
    assert isinstance(result, dg.SkipReason) and "waiting" in result.skip_message
    (landing / "ExportOrderList202611012330.csv").write_text("half and the rest")
    result, cursor = _tick(cursor)
    assert isinstance(result, dg.SkipReason), "still being copied: wait another tick"
    result, cursor = _tick(cursor)
    assert isinstance(result, dg.RunRequest)
    assert result.tags["fugou/trigger"] == "landing_folder"
    result, cursor = _tick(cursor)
    assert isinstance(result, dg.SkipReason) and result.skip_message == "no new files"


def test_a_missing_landing_folder_is_not_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("FUGOU_LANDING_DIR", str(tmp_path / "not_yet"))
    result, cursor = _tick(None)
    assert isinstance(result, dg.SkipReason)
    result, _ = _tick(cursor)
    assert isinstance(result, dg.SkipReason) and result.skip_message == "no new files"


def test_the_sensor_is_part_of_the_code_location_and_runs_the_nightly_job():
    from dagster_project.definitions import defs

    sensor = defs.resolve_sensor_def("landing_folder_sensor")
    assert sensor.job_name == "nightly"
    assert sensor.default_status == dg.DefaultSensorStatus.RUNNING


def test_a_landing_run_builds_today_so_far(tmp_path, monkeypatch):
    """A run started by files landing during the day is for today's partition (Beijing)."""
    import datetime as dt

    from dagster_project.defs.orchestration import sensors

    landing = tmp_path / "landing"
    landing.mkdir()
    monkeypatch.setenv("FUGOU_LANDING_DIR", str(landing))
    monkeypatch.setattr(sensors, "today_in_shop_tz", lambda: dt.date(2026, 12, 7))
    _, cursor = _tick(None)
    (landing / "ExportOrderList202612071030.csv").write_text("new")
    _, cursor = _tick(cursor)
    request, _ = _tick(cursor)
    assert isinstance(request, dg.RunRequest)
    assert request.partition_key == "2026-12-07"
