"""Schedules Airflow accepts, and ones lint does not judge (timetables, timedeltas)."""

import datetime

from airflow.sdk import DAG, dag

with DAG(dag_id="a", schedule="0 3 * * sun", start_date=datetime.datetime(2024, 1, 1)):
    pass

with DAG(dag_id="b", schedule="@quarterly", start_date=datetime.datetime(2024, 1, 1)):
    pass

with DAG(dag_id="c", schedule=None, start_date=datetime.datetime(2024, 1, 1)):
    pass

with DAG(dag_id="d", schedule=datetime.timedelta(hours=6), start_date=datetime.datetime(2024, 1, 1)):
    pass


@dag(schedule="*/15 8-18 1,15 jan-jun 1-5", start_date=datetime.datetime(2024, 1, 1))
def e():
    pass
