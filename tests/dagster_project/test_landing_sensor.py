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
