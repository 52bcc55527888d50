"""Hand-written DAGs with schedules Airflow refuses (never imported by lint)."""

import datetime

from airflow.sdk import DAG, dag

WEEKLY = "0 3 * * 8"  # expect: airflow-schedule-invalid

with DAG(dag_id="a", schedule=WEEKLY, start_date=datetime.datetime(2024, 1, 1)):
    pass

with DAG(dag_id="b", schedule_interval="@fortnightly", start_date=datetime.datetime(2024, 1, 1)):  # expect: airflow-schedule-invalid
    pass


@dag(schedule="0 0 3 * * 0", start_date=datetime.datetime(2024, 1, 1))  # expect: airflow-schedule-invalid
def c():
    pass


@dag(schedule="30 25 * * *", start_date=datetime.datetime(2024, 1, 1))  # expect: airflow-schedule-invalid
def d():
    pass
