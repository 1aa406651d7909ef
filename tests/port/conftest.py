"""tests/port/aws_user_repo is a user's repository written for AWS, not part of this suite:
test_aws_user_repo.py runs it in copies of its own."""

collect_ignore = ["aws_user_repo"]
