BeforeAll {
    Import-Module "$PSScriptRoot/TestHelpers.psm1" -Force
}

Describe 'README' {
    It 'has a five-minute tour that runs as written in a fresh pwsh, with only the errors it shows on purpose' {
        $readme = Get-Content -Raw -LiteralPath (Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'README.md')
        $tour = [regex]::Match($readme, '(?s)## Five-minute tour.*?```powershell\r?\n(.*?)```').Groups[1].Value
        $tour | Should -Match 'New-MemoryMapping'
        $outFolder = Join-Path -Path $PSScriptRoot -ChildPath '..' -AdditionalChildPath 'out' | Resolve-Path
        $script = @"
`$env:PSModulePath = '$outFolder' + [IO.Path]::PathSeparator + `$env:PSModulePath
`$ProgressPreference = 'SilentlyContinue'
$tour
'ERRORS: ' + ((`$Error | ForEach-Object { `$_.FullyQualifiedErrorId.Split(',')[0] } | Sort-Object) -join ' ')
"@
        $pwsh = Get-PwshCommand
        $output = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script 2>&1
        $LASTEXITCODE | Should -Be 0
        ($output | Select-Object -Last 1) | Should -Be 'ERRORS: Access.Protection InvalidArgument'
    }
}
