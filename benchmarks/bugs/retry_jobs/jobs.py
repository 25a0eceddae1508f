from collections import deque


def run_jobs(jobs, attempts):
    """Run each job (a callable returning True on success) up to ``attempts`` times,
    retrying failed ones after the others; the names of the jobs that never succeeded."""
    pending = deque((job, 1) for job in jobs)
    failed = []
    while True:
        job, tries = pending.popleft()
        if job():
            continue
        if tries < attempts:
            pending.append((job, tries + 1))
        else:
            failed.append(job.__name__)
    return failed
