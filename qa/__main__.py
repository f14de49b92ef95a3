from qa.ui.cli import main

main()
