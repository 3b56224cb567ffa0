"""Exports as durable jobs: what the export dialog and the CLI ask for, kept in SQLite so that a
restart or a killed process resumes them (issue 11).

- `job.py`: the job record (ExportJob), what is asked (ExportRequest), modes and states.
- `store.py`: the SQLite store of jobs (platformdirs data folder, WAL, one commit per change).
- `runner.py`: one job's steps, Qt-free (create or re-use the export, poll it, download with
  resume, verify the container, write the evidence); the CLI runs it directly.
- `queue.py`: the app's ExportQueue (a QObject per session): runs jobs on its own threads and
  tells the jobs panel what changed, on the GUI thread.
"""
